package aof_test

import (
	"syscall"
	"testing"

	"github.com/instream/instream/aof"
)

func cpuT() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

var tmpRec = []byte("*9\r\n$4\r\nXADD\r\n$1\r\ns\r\n$15\r\n1764859400000-0\r\n$4\r\nuser\r\n$7\r\nu000123\r\n$6\r\naction\r\n$5\r\nclick\r\n$2\r\nts\r\n$13\r\n1600000000123\r\n")

func BenchmarkTmp_AppendRESP(b *testing.B) {
	l, _, err := aof.Open(aof.Options{Dir: b.TempDir(), Fsync: aof.Everysec}, func([][]string) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.ReportAllocs()
	cpu := cpuT()
	for b.Loop() {
		if _, err := l.AppendRESP(tmpRec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuT()-cpu)/float64(b.N), "cpu-ns/op")
}
