package resp

// globMatch reports whether s matches the glob pattern as Redis's
// stringmatchlen does (KEYS, SCAN MATCH, CONFIG GET): * any run, ? one
// byte, [abc], [^abc] and [a-z] classes, and \ escaping the next byte.
// Every token but * matches exactly one byte, so one backtracking point
// (the last *) suffices and the cost is O(len(pattern)·len(s)).
func globMatch(pattern, s string) bool {
	p, i := 0, 0
	star, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) && pattern[p] == '*' {
			star, starI = p, i
			p++
			continue
		}
		if p < len(pattern) {
			if ok, width := matchOne(pattern[p:], s[i]); ok {
				p += width
				i++
				continue
			}
		}
		if star < 0 {
			return false
		}
		starI++
		p, i = star+1, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchOne matches the token at the start of pattern (not '*') against
// byte c and returns the token's width.
func matchOne(pattern string, c byte) (bool, int) {
	switch pattern[0] {
	case '?':
		return true, 1
	case '\\':
		if len(pattern) >= 2 {
			return pattern[1] == c, 2
		}
		return c == '\\', 1
	case '[':
		return matchClass(pattern, c)
	}
	return pattern[0] == c, 1
}

// matchClass matches a [...] class; an unclosed class runs to the end of
// the pattern, as in Redis.
func matchClass(pattern string, c byte) (bool, int) {
	j := 1
	not := j < len(pattern) && pattern[j] == '^'
	if not {
		j++
	}
	matched := false
	for j < len(pattern) && pattern[j] != ']' {
		switch {
		case pattern[j] == '\\' && j+1 < len(pattern):
			if pattern[j+1] == c {
				matched = true
			}
			j += 2
		case j+2 < len(pattern) && pattern[j+1] == '-':
			lo, hi := pattern[j], pattern[j+2]
			if lo > hi {
				lo, hi = hi, lo
			}
			if c >= lo && c <= hi {
				matched = true
			}
			j += 3
		default:
			if pattern[j] == c {
				matched = true
			}
			j++
		}
	}
	if j < len(pattern) {
		j++ // the ']'
	}
	return matched != not, j
}
