package instream

import "slices"

// pendingAdd is an XADD without a trim, recorded as a call's first effect
// and not yet encoded. Its fields are the caller's, valid until the call
// returns.
type pendingAdd struct {
	set    bool
	key    string
	id     ID
	fields []Field
}

// logAdd hands the call's only effect, its pending XADD, to the log:
// encoded straight into the log's buffer if it has one, else into t.fx
// and copied by Append.
func (t *tx) logAdd() (seq uint64, err error) {
	n := t.addLen()
	if lb := t.e.logBuf; lb != nil {
		if b := lb.Reserve(n); b != nil {
			b = t.appendAdd(b, n)
			t.fxAdd1 = pendingAdd{}
			return lb.Commit(b)
		}
	}
	t.fx = t.appendAdd(t.fx[:0], n)
	t.fxAdd1 = pendingAdd{}
	seq, err = t.e.opts.Log.Append(t.fx)
	t.fx = t.fx[:0]
	return seq, err
}

// appendAdd appends the pending XADD as a RESP command, n bytes long
// (addLen).
func (t *tx) appendAdd(b []byte, n int) []byte {
	a := &t.fxAdd1
	b = slices.Grow(b, n)
	if argc := 3 + 2*len(a.fields); argc < 10 {
		b = append(b, '*', byte('0'+argc), '\r', '\n')
	} else {
		b = append(b, '*')
		b = appendDecimal(b, argc)
		b = append(b, '\r', '\n')
	}
	b = append(b, "$4\r\nXADD\r\n"...)
	b = appendBulkString(b, a.key)
	b = t.appendIDBulk(b, a.id)
	for i := range a.fields {
		b = appendBulkString(b, a.fields[i].Name)
		b = appendBulkString(b, a.fields[i].Value)
	}
	return b
}

// addLen returns the length of the pending XADD as a RESP command.
func (t *tx) addLen() int {
	a := &t.fxAdd1
	argc := 3 + 2*len(a.fields)
	n := 3 + lenDigits(argc) + len("$4\r\nXADD\r\n") + 5 + lenDigits(len(a.key)) + len(a.key)
	id := t.idLen(a.id)
	n += 5 + lenDigits(id) + id
	for i := range a.fields {
		f := &a.fields[i]
		n += 10 + lenDigits(len(f.Name)) + lenDigits(len(f.Value)) + len(f.Name) + len(f.Value)
	}
	return n
}

// idLen returns the length of id's text, keeping the text of its
// milliseconds for appendIDBulk.
func (t *tx) idLen(id ID) int {
	if id.Ms != t.idMs || t.idMsLen == 0 {
		t.idMs, t.idMsLen = id.Ms, decimalDigits(id.Ms)
		putDecimal(t.idMsText[:t.idMsLen], id.Ms)
	}
	if id.Seq < 10 {
		return t.idMsLen + 2
	}
	return t.idMsLen + 1 + decimalDigits(id.Seq)
}

// lenDigits returns the number of decimal digits of n >= 0.
func lenDigits(n int) int {
	if n < 10 {
		return 1
	}
	if n < 100 {
		return 2
	}
	return decimalDigits(uint64(n))
}

// appendBulkString is appendBulk for a string, with fewer checks of b's
// capacity for the usual short lengths.
func appendBulkString(b []byte, s string) []byte {
	switch n := len(s); {
	case n < 10:
		b = append(b, '$', byte('0'+n), '\r', '\n')
	case n < 100:
		b = append(b, '$', twoDigits[2*n], twoDigits[2*n+1], '\r', '\n')
	default:
		b = append(b, '$')
		b = appendDecimal(b, n)
		b = append(b, '\r', '\n')
	}
	b = append(b, s...)
	return append(b, '\r', '\n')
}
