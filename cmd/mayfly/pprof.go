package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/spf13/cobra"
)

// addProfilerFlag declares --pprof-listen on the root command, so that
// every server command can expose Go's profiler while it is measured.
func addProfilerFlag(root *cobra.Command) {
	root.PersistentFlags().String("pprof-listen", "", "serve Go's profiler (net/http/pprof) under /debug/pprof/ on this address, such as 127.0.0.1:6060; off when empty")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		addr, _ := cmd.Flags().GetString("pprof-listen")
		if addr == "" {
			return nil
		}
		_, err := startProfiler(addr, cmd.ErrOrStderr())
		return err
	}
}

// startProfiler serves the profiler on addr until the process exits and
// returns the address it listens on. The profiles show code paths and
// sizes, never message content, yet anyone who reaches the address can
// slow the process down, so a non-loopback address gets a warning.
func startProfiler(addr string, logOut io.Writer) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("invalid --pprof-listen %q: %w", addr, err)
	}
	logger := slog.New(slog.NewTextHandler(logOut, nil)).With("subsystem", "pprof")
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		logger.Warn("the profiler listens on a non-loopback address; anyone who reaches it can profile this process", "addr", ln.Addr().String())
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		logger.Info("profiler listening", "addr", ln.Addr().String())
		if err := srv.Serve(ln); err != nil {
			logger.Error("profiler stopped", "error", err)
		}
	}()
	return ln.Addr(), nil
}
