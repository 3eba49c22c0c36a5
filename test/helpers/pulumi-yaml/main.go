// A test oracle: reads stack files with gopkg.in/yaml.v3 (Debian's golang-gopkg-yaml.v3-dev,
// the version Pulumi builds with) and prints, per file, the text each config key would
// hand a program, following pulumi/pulumi sdk/go/common/resource/config (object.go:
// UnmarshalYAML decodes into `any`; MarshalString keeps strings, writes booleans, numbers
// and objects as JSON, a time as time.Time.String(), and a map `{secure: ...}` as a secret).
//
//   GO111MODULE=off GOPATH=/usr/share/gocode go run . FILE... > results.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

type value struct {
	Text   string `json:"text"`
	Secure bool   `json:"secure"`
	Object bool   `json:"object"`
}

// normalize turns what yaml.v3 decoded into what Pulumi's object holds, as JSON would write it.
func normalize(v interface{}) interface{} {
	switch v := v.(type) {
	case time.Time:
		return v.String()
	case map[string]interface{}:
		out := make(map[string]interface{}, len(v))
		for k, inner := range v {
			out[k] = normalize(inner)
		}
		return out
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(v))
		for k, inner := range v {
			out[fmt.Sprintf("%v", k)] = normalize(inner)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(v))
		for i, inner := range v {
			out[i] = normalize(inner)
		}
		return out
	default:
		return v
	}
}

func (c *value) UnmarshalYAML(unmarshal func(interface{}) error) error {
	var raw interface{}
	if err := unmarshal(&raw); err != nil {
		return err
	}
	v := normalize(raw)
	if m, ok := v.(map[string]interface{}); ok && len(m) == 1 {
		if s, ok := m["secure"].(string); ok {
			*c = value{Text: s, Secure: true}
			return nil
		}
	}
	switch v := v.(type) {
	case string:
		*c = value{Text: v}
		return nil
	case bool, int, int64, uint64, float64:
		b, err := json.Marshal(v)
		*c = value{Text: string(b)}
		return err
	default:
		b, err := json.Marshal(v)
		*c = value{Text: string(b), Object: true}
		return err
	}
}

type stackFile struct {
	Config map[string]value `yaml:"config"`
}

type result struct {
	Config map[string]value `json:"config,omitempty"`
	Error  string           `json:"error,omitempty"`
}

func main() {
	results := map[string]result{}
	for _, file := range os.Args[1:] {
		data, err := os.ReadFile(file)
		if err != nil {
			results[file] = result{Error: err.Error()}
			continue
		}
		var stack stackFile
		if err := yaml.Unmarshal(data, &stack); err != nil {
			results[file] = result{Error: err.Error()}
			continue
		}
		results[file] = result{Config: stack.Config}
	}
	out, _ := json.Marshal(results)
	os.Stdout.Write(out)
}
