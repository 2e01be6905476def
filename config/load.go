package config

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// EnvPrefix starts the name of every environment variable the
// configuration reads.
const EnvPrefix = "MAYFLY"

// Source names where the configuration is read from besides the defaults.
type Source struct {
	// File is a YAML file; empty means none.
	File string
	// Flags holds parsed command-line flags; FlagKeys maps a flag name to
	// the configuration key it sets. Only flags the user set take effect.
	Flags    *pflag.FlagSet
	FlagKeys map[string]string
	// Defaults replaces Default() as the base, when set.
	Defaults *Config
}

// Load builds the configuration from defaults, file, environment and flags,
// in increasing order of precedence, and validates it.
func Load(src Source) (Config, error) {
	base := Default()
	if src.Defaults != nil {
		base = *src.Defaults
	}

	v := viper.New()
	for key, value := range flatten(reflect.ValueOf(base), "") {
		v.SetDefault(key, value)
	}
	if src.File != "" {
		v.SetConfigFile(src.File)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("read configuration file %s: %w", src.File, err)
		}
	}
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if err := bindFlags(v, src); err != nil {
		return Config{}, err
	}

	var cfg Config
	hooks := viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		durationHook, byteSizeHook, numberHook, boolHook, mapstructure.StringToSliceHookFunc(",")))
	if err := v.UnmarshalExact(&cfg, hooks); err != nil {
		return Config{}, fmt.Errorf("invalid configuration: %w", unwrapDecodeError(err))
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func bindFlags(v *viper.Viper, src Source) error {
	if src.Flags == nil {
		return nil
	}
	for name, key := range src.FlagKeys {
		flag := src.Flags.Lookup(name)
		if flag == nil || !flag.Changed {
			continue
		}
		if err := v.BindPFlag(key, flag); err != nil {
			return fmt.Errorf("bind flag --%s to %s: %w", name, key, err)
		}
	}
	return nil
}

// flatten lists every leaf of a configuration struct by its dotted key, so
// that viper registers each key and reads its environment variable.
func flatten(val reflect.Value, prefix string) map[string]any {
	out := map[string]any{}
	typ := val.Type()
	for i := range typ.NumField() {
		field := typ.Field(i)
		key := field.Tag.Get("mapstructure")
		if key == "" {
			continue
		}
		if prefix != "" {
			key = prefix + "." + key
		}
		fv := val.Field(i)
		if fv.Kind() == reflect.Struct {
			for k, x := range flatten(fv, key) {
				out[k] = x
			}
			continue
		}
		out[key] = fv.Interface()
	}
	return out
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	byteSizeType = reflect.TypeFor[ByteSize]()
)

// durationHook parses Go durations, with an error that names what is allowed.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType || from.Kind() != reflect.String {
		return data, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(data.(string)))
	if err != nil {
		return nil, fmt.Errorf("invalid duration %q: want a Go duration such as 90s, 10m or 168h", data)
	}
	return d, nil
}

// numberHook parses whole numbers from environment variables and flags
// with an error that names what is allowed.
func numberHook(from, to reflect.Type, data any) (any, error) {
	if to.Kind() != reflect.Int || from.Kind() != reflect.String {
		return data, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(data.(string)))
	if err != nil {
		return nil, fmt.Errorf("invalid number %q: want a whole number such as 100", data)
	}
	return n, nil
}

func boolHook(from, to reflect.Type, data any) (any, error) {
	if to.Kind() != reflect.Bool || from.Kind() != reflect.String {
		return data, nil
	}
	b, err := strconv.ParseBool(strings.TrimSpace(data.(string)))
	if err != nil {
		return nil, fmt.Errorf("invalid boolean %q: want true or false", data)
	}
	return b, nil
}

func byteSizeHook(from, to reflect.Type, data any) (any, error) {
	if to != byteSizeType || from.Kind() != reflect.String {
		return data, nil
	}
	return ParseByteSize(data.(string))
}

// UnknownEnvironment lists the MAYFLY_* variables of env that set no
// configuration key, such as a misspelt MAYFLY_EDGE_SMTP_LISTEN, so that the
// caller can warn about them. Variables that other Mayfly programs read are
// not listed.
func UnknownEnvironment(env []string) []string {
	known := map[string]bool{}
	for key := range flatten(reflect.ValueOf(Default()), "") {
		known[EnvPrefix+"_"+strings.ToUpper(strings.ReplaceAll(key, ".", "_"))] = true
	}
	for _, name := range otherProgramsEnv {
		known[name] = true
	}
	var unknown []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, EnvPrefix+"_") && !known[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	return unknown
}

// otherProgramsEnv are variables that mayflyctl and the test suite read.
var otherProgramsEnv = []string{"MAYFLY_TOKEN", "MAYFLY_ADDR", "MAYFLY_EDGE", "MAYFLY_INBOX_TOKEN", "MAYFLY_MIME_CORPUS"}

// unwrapDecodeError drops mapstructure's multi-line preamble so that the
// message reads as one line naming the key.
func unwrapDecodeError(err error) error {
	var multi interface{ Unwrap() []error }
	if errors.As(err, &multi) {
		var parts []string
		for _, e := range multi.Unwrap() {
			parts = append(parts, strings.TrimSpace(e.Error()))
		}
		return errors.New(strings.Join(parts, "; "))
	}
	return err
}
