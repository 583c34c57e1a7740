package aof

import "errors"

var (
	// errShort means the input ends inside a command.
	errShort = errors.New("short")
	// maxArgs bounds a command's argument count, against a damaged count
	// that would allocate without end.
	maxArgs = 1 << 20
)

// formatError is a RESP framing error at an offset inside the parsed
// input.
type formatError struct {
	at     int
	reason string
}

func (e *formatError) Error() string { return e.reason }

// parseCommand parses one RESP array of bulk strings at the start of b and
// returns its arguments and its encoded length. It returns errShort when b
// ends first, and a *formatError for anything that is not such an array.
// Parsing a string shares its memory with the arguments; parsing bytes
// copies them.
func parseCommand[T string | []byte](b T) ([]string, int, error) {
	if len(b) == 0 {
		return nil, 0, errShort
	}
	if b[0] != '*' {
		return nil, 0, &formatError{0, "expected '*'"}
	}
	argc, i, err := parseLen(b, 1)
	if err != nil {
		return nil, 0, err
	}
	if argc < 1 || argc > maxArgs {
		return nil, 0, &formatError{0, "bad argument count"}
	}
	args := make([]string, argc)
	for j := range args {
		if i >= len(b) {
			return nil, 0, errShort
		}
		if b[i] != '$' {
			return nil, 0, &formatError{i, "expected '$'"}
		}
		n, k, err := parseLen(b, i+1)
		if err != nil {
			return nil, 0, err
		}
		if k+n+2 > len(b) {
			return nil, 0, errShort
		}
		if b[k+n] != '\r' || b[k+n+1] != '\n' {
			return nil, 0, &formatError{k + n, "bulk string not ended by CRLF"}
		}
		args[j] = string(b[k : k+n])
		i = k + n + 2
	}
	return args, i, nil
}

// parseLen parses the decimal number at b[i:] ended by CRLF, and returns
// it and the index after the CRLF.
func parseLen[T string | []byte](b T, i int) (int, int, error) {
	n, digits := 0, 0
	for ; i < len(b); i++ {
		c := b[i]
		if c == '\r' {
			if i+1 >= len(b) {
				return 0, 0, errShort
			}
			if b[i+1] != '\n' || digits == 0 || n > maxRecord {
				return 0, 0, &formatError{i, "bad length line"}
			}
			return n, i + 2, nil
		}
		if c < '0' || c > '9' || digits == 10 {
			return 0, 0, &formatError{i, "bad length"}
		}
		n = n*10 + int(c-'0')
		digits++
	}
	return 0, 0, errShort
}
