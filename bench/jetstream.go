package bench

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// natsServer is a nats-server with JetStream embedded in this process: no
// listener, clients connect through nats.InProcessServer.
type natsServer struct {
	s *server.Server
}

// startNATS starts an embedded server with JetStream storing in dir; with
// syncAlways, file storage fsyncs every write (JetStream's sync_interval
// always), otherwise it uses the server's default (every 2 minutes).
func startNATS(dir string, syncAlways bool) (*natsServer, error) {
	s, err := server.NewServer(&server.Options{
		ServerName: "bench",
		DontListen: true,
		JetStream:  true,
		StoreDir:   dir,
		SyncAlways: syncAlways,
		NoLog:      true,
		NoSigs:     true,
	})
	if err != nil {
		return nil, fmt.Errorf("nats-server: %w", err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, errors.New("nats-server not ready within 10s")
	}
	return &natsServer{s: s}, nil
}

// connect opens a client connection through the in-process transport.
func (n *natsServer) connect() (*nats.Conn, error) {
	nc, err := nats.Connect("", nats.InProcessServer(n.s), nats.MaxReconnects(0))
	if err != nil {
		return nil, fmt.Errorf("connect to nats-server: %w", err)
	}
	return nc, nil
}

// stop shuts the server down and waits until it has.
func (n *natsServer) stop() {
	n.s.Shutdown()
	n.s.WaitForShutdown()
}
