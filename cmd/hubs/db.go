package main

import (
	"context"
	"fmt"
	"log/slog"

	"hubs/store"
)

// open connects to the configured database, or, with no URL, starts (or joins) the private
// cluster under the data folder. close releases both: it stops a cluster this process
// started.
func (d *database) open(ctx context.Context) (s *store.Store, close func(), err error) {
	url := d.url
	var cluster *store.Cluster
	if url == "" {
		cluster, err = store.StartCluster(ctx, d.dataDir)
		if err != nil {
			return nil, nil, err
		}
		url = cluster.URL()
	}
	s, err = store.Open(ctx, url)
	if err != nil {
		if cluster != nil {
			stopCluster(cluster)
		}
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	return s, func() {
		s.Close()
		if cluster != nil {
			stopCluster(cluster)
		}
	}, nil
}

func stopCluster(c *store.Cluster) {
	if err := c.Stop(); err != nil {
		slog.Error("stop private PostgreSQL", "err", err)
	}
}
