package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"go.yaml.in/yaml/v3"
)

// seriesPattern finds the metric names in a PromQL expression: those of
// Mayfly and of the Go and process collectors.
var seriesPattern = regexp.MustCompile(`\b(?:mayfly|go|process)_[a-z0-9_]+\b`)

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert string `yaml:"alert"`
			Expr  string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type dashboard struct {
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// monitoringExprs returns every PromQL expression of the alert rules
// and the dashboard, by where it stands.
func monitoringExprs(t *testing.T) map[string]string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "deploy", "monitoring")
	exprs := map[string]string{}

	raw, err := os.ReadFile(filepath.Join(dir, "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules ruleFile
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatalf("parse alerts.yml: %v", err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("alerts.yml group %s: a rule without alert name or expr", g.Name)
			}
			exprs["alert "+r.Alert] = r.Expr
		}
	}

	raw, err = os.ReadFile(filepath.Join(dir, "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash dashboard
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("parse dashboard.json: %v", err)
	}
	for _, p := range dash.Panels {
		for i, target := range p.Targets {
			exprs["panel "+p.Title+" #"+string(rune('A'+i))] = target.Expr
		}
	}
	if len(exprs) < 20 {
		t.Fatalf("found %d expressions in alerts.yml and dashboard.json, want at least 20", len(exprs))
	}
	return exprs
}

func TestMonitoring_ExpressionsNameExportedSeries(t *testing.T) {
	exprs := monitoringExprs(t)
	n, _ := withTraffic(t)
	exported := seriesNames(scrape(t, n.internalURL()+"/metrics"))
	for name := range seriesNames(scrape(t, n.controlURL()+"/metrics")) {
		exported[name] = true
	}

	for where, expr := range exprs {
		names := seriesPattern.FindAllString(expr, -1)
		if len(names) == 0 && where != "alert MayflyEdgeDown" {
			t.Errorf("%s: expression %q names no Mayfly series", where, expr)
		}
		for _, name := range names {
			if !exported[name] {
				t.Errorf("%s: series %s is not exported by a running node", where, name)
			}
		}
	}
}

func TestMonitoring_PromtoolChecksRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("SKIP: promtool is missing (Debian package prometheus), so the rules are only parsed as YAML by TestMonitoring_ExpressionsNameExportedSeries")
	}
	out, err := exec.Command(promtool, "check", "rules", filepath.Join(repoRoot(t), "deploy", "monitoring", "alerts.yml")).CombinedOutput()
	if err != nil {
		t.Errorf("promtool check rules: %v: %s", err, out)
	}
}
