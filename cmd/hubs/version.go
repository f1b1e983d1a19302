package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"hubs/store"
)

// version is set at build time: go build -ldflags "-X main.version=...". The Makefile
// passes `git describe`.
var version = "dev"

func runVersion(ctx context.Context, args []string) error {
	fs := newFlagSet("version", "version")
	if err := fs.parse(args); err != nil {
		return err
	}
	v := version
	if v == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	fmt.Printf("hubs %s (%s, schema version %d)\n", v, runtime.Version(), store.SchemaVersion())
	return nil
}
