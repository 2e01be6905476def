package controlplane

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
)

// hclogAdapter implements hclog.Logger on top of slog, so that Raft's logs
// reach the node's logger. It drops messages below its level, which starts
// at Info because Raft's debug output is a line per heartbeat.
type hclogAdapter struct {
	logger  *slog.Logger
	name    string
	implied []any
	level   *atomic.Int32 // an hclog.Level, shared with derived loggers
}

var _ hclog.Logger = (*hclogAdapter)(nil)

func newHclogAdapter(logger *slog.Logger, name string) *hclogAdapter {
	level := new(atomic.Int32)
	level.Store(int32(hclog.Info))
	return &hclogAdapter{logger: logger, name: name, level: level}
}

func (a *hclogAdapter) Log(level hclog.Level, msg string, args ...any) {
	if level == hclog.Warn && firstElection(msg, args) {
		level = hclog.Info
	}
	if level == hclog.Off || level < a.GetLevel() {
		return
	}
	attrs := make([]any, 0, 2+len(a.implied)+len(args))
	attrs = append(attrs, slog.String("subsystem", a.name))
	attrs = append(attrs, a.implied...)
	attrs = append(attrs, snakeCaseKeys(args)...)
	a.logger.Log(context.Background(), slogLevel(level), msg, attrs...)
}

// electionTimeoutMessage is the warning Raft logs when a follower hears
// from no leader in time and starts an election.
const electionTimeoutMessage = "heartbeat timeout reached, starting election"

// firstElection reports whether msg is Raft's election warning from a
// node that knew no leader right before it. Every node logs that once on
// its way to its first leader, a lone node that elects itself included.
// When a node loses a leader, the warning names that leader and stays a
// warning; later rounds without a leader are logged at info.
func firstElection(msg string, args []any) bool {
	if msg != electionTimeoutMessage {
		return false
	}
	for i := 0; i+1 < len(args); i += 2 {
		if key, ok := args[i].(string); ok && key == "last-leader-addr" {
			return fmt.Sprint(args[i+1]) == ""
		}
	}
	return false
}

func (a *hclogAdapter) Trace(msg string, args ...any) { a.Log(hclog.Trace, msg, args...) }
func (a *hclogAdapter) Debug(msg string, args ...any) { a.Log(hclog.Debug, msg, args...) }
func (a *hclogAdapter) Info(msg string, args ...any)  { a.Log(hclog.Info, msg, args...) }
func (a *hclogAdapter) Warn(msg string, args ...any)  { a.Log(hclog.Warn, msg, args...) }
func (a *hclogAdapter) Error(msg string, args ...any) { a.Log(hclog.Error, msg, args...) }

func (a *hclogAdapter) IsTrace() bool { return a.GetLevel() <= hclog.Trace }
func (a *hclogAdapter) IsDebug() bool { return a.GetLevel() <= hclog.Debug }
func (a *hclogAdapter) IsInfo() bool  { return a.GetLevel() <= hclog.Info }
func (a *hclogAdapter) IsWarn() bool  { return a.GetLevel() <= hclog.Warn }
func (a *hclogAdapter) IsError() bool { return a.GetLevel() <= hclog.Error }

func (a *hclogAdapter) ImpliedArgs() []any { return a.implied }

func (a *hclogAdapter) With(args ...any) hclog.Logger {
	c := *a
	c.implied = append(append([]any(nil), a.implied...), snakeCaseKeys(args)...)
	return &c
}

func (a *hclogAdapter) Name() string { return a.name }

func (a *hclogAdapter) Named(name string) hclog.Logger {
	if a.name != "" {
		name = a.name + "." + name
	}
	return a.ResetNamed(name)
}

func (a *hclogAdapter) ResetNamed(name string) hclog.Logger {
	c := *a
	c.name = name
	return &c
}

func (a *hclogAdapter) SetLevel(level hclog.Level) { a.level.Store(int32(level)) }
func (a *hclogAdapter) GetLevel() hclog.Level      { return hclog.Level(a.level.Load()) }

func (a *hclogAdapter) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	level := slog.LevelInfo
	if opts != nil && opts.ForceLevel != hclog.NoLevel {
		level = slogLevel(opts.ForceLevel)
	}
	return slog.NewLogLogger(a.logger.With("subsystem", a.name).Handler(), level)
}

func (a *hclogAdapter) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	return a.StandardLogger(opts).Writer()
}

func slogLevel(level hclog.Level) slog.Level {
	switch level {
	case hclog.Trace:
		return slog.LevelDebug - 4
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// snakeCaseKeys rewrites the keys of hclog's key-value pairs, such as
// "last-index", to the lower_snake_case keys of our logs.
func snakeCaseKeys(args []any) []any {
	out := make([]any, len(args))
	copy(out, args)
	for i := 0; i < len(out); i += 2 {
		if key, ok := out[i].(string); ok {
			out[i] = strings.NewReplacer("-", "_", " ", "_", ".", "_").Replace(strings.ToLower(key))
		}
		if i+1 < len(out) {
			out[i+1] = formatValue(out[i+1])
		}
	}
	return out
}

// formatValue renders hclog.Fmt values, which raft uses for some fields, as
// the text they stand for.
func formatValue(v any) any {
	f, ok := v.(hclog.Format)
	if !ok || len(f) == 0 {
		return v
	}
	format, ok := f[0].(string)
	if !ok {
		return fmt.Sprint(f...)
	}
	return fmt.Sprintf(format, f[1:]...)
}
