package config

import (
	"fmt"
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"
)

// YAML renders the configuration in the file format, with secrets masked,
// durations and sizes in their written form, for `mayfly config print`.
func (c Config) YAML() (string, error) {
	out, err := yaml.Marshal(toTree(reflect.ValueOf(c)))
	if err != nil {
		return "", fmt.Errorf("render configuration: %w", err)
	}
	return string(out), nil
}

// toTree converts a configuration value into maps, slices and scalars keyed
// by the mapstructure names, so that it prints with the same keys a file
// uses. yaml.v3 sorts map keys, which keeps the output stable.
func toTree(v reflect.Value) any {
	switch x := v.Interface().(type) {
	case time.Duration:
		return x.String()
	case ByteSize:
		return x.String()
	case Secret:
		return x.String()
	}
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		for i := range v.NumField() {
			if key := v.Type().Field(i).Tag.Get("mapstructure"); key != "" {
				m[key] = toTree(v.Field(i))
			}
		}
		return m
	case reflect.Slice:
		items := make([]any, v.Len())
		for i := range items {
			items[i] = toTree(v.Index(i))
		}
		return items
	default:
		return v.Interface()
	}
}
