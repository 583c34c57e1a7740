package resp_test

import (
	"bufio"
	"fmt"
	"io"
	"log"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
)

// This example speaks RESP to an engine over an in-process connection:
// an inline command and a multibulk one, pipelined.
func ExampleDial() {
	e := instream.New(instream.Options{})
	defer e.Close()
	conn, err := resp.Dial(e)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "XADD s 1-1 f v\r\n*2\r\n$4\r\nXLEN\r\n$1\r\ns\r\n"); err != nil {
		log.Fatal(err)
	}
	br := bufio.NewReader(conn)
	for range 3 {
		line, err := br.ReadString('\n')
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%q\n", line)
	}
	// Output:
	// "$3\r\n"
	// "1-1\r\n"
	// ":1\r\n"
}
