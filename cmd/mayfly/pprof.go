package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// addProfilerFlag declares --pprof-listen on a server command.
func addProfilerFlag(flags *pflag.FlagSet) {
	flags.String("pprof-listen", "", "serve Go's profiler (net/http/pprof) under /debug/pprof/ on this address, such as 127.0.0.1:6060; off when empty")
}

// startProfilerFlag starts the profiler when the command's --pprof-listen
// is set, and returns the address it listens on, or nil.
func startProfilerFlag(cmd *cobra.Command, logger *slog.Logger) (net.Addr, error) {
	addr, _ := cmd.Flags().GetString("pprof-listen")
	if addr == "" {
		return nil, nil
	}
	return startProfiler(addr, logger)
}

// startProfiler serves the profiler on addr until the process exits and
// returns the address it listens on. The profiles show code paths and
// sizes, never message content, yet anyone who reaches the address can
// slow the process down, so a non-loopback address gets a warning.
func startProfiler(addr string, logger *slog.Logger) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("invalid --pprof-listen %q: %w", addr, err)
	}
	logger = logger.With("subsystem", "pprof")
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
