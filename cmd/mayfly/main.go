// Command mayfly is the Mayfly server: `mayfly dev` runs the whole service
// in one process; `mayfly config print` shows the effective configuration;
// `mayfly version` prints the build version.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	defer tuneGC()()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "mayfly:", err)
		os.Exit(1)
	}
}
