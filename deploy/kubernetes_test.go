package deploy

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mayfly-mail/mayfly/config"
)

// The parts of the rendered manifests that the tests check. Fields the
// tests do not read are left out.
type (
	k8sObject struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name        string            `yaml:"name"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
		Data map[string]string `yaml:"data"`
		Spec k8sSpec           `yaml:"spec"`
	}
	k8sSpec struct {
		// StatefulSet
		Replicas             *int              `yaml:"replicas"`
		ServiceName          string            `yaml:"serviceName"`
		PodManagementPolicy  string            `yaml:"podManagementPolicy"`
		Template             k8sPodTemplate    `yaml:"template"`
		VolumeClaimTemplates []yaml.Node       `yaml:"volumeClaimTemplates"`
		UpdateStrategy       k8sUpdateStrategy `yaml:"updateStrategy"`
		// Selector is matchLabels in a StatefulSet or PodDisruptionBudget
		// and a plain map in a Service. selectorLabels reads both.
		Selector yaml.Node `yaml:"selector"`
		// Service
		Type                     string           `yaml:"type"`
		ClusterIP                string           `yaml:"clusterIP"`
		PublishNotReadyAddresses bool             `yaml:"publishNotReadyAddresses"`
		Ports                    []k8sServicePort `yaml:"ports"`
		// PodDisruptionBudget
		MaxUnavailable *int `yaml:"maxUnavailable"`
	}
	k8sUpdateStrategy struct {
		Type          string `yaml:"type"`
		RollingUpdate struct {
			Partition *int `yaml:"partition"`
		} `yaml:"rollingUpdate"`
	}
	k8sServicePort struct {
		Name       string `yaml:"name"`
		Port       int    `yaml:"port"`
		TargetPort string `yaml:"targetPort"`
		Protocol   string `yaml:"protocol"`
	}
	k8sPodTemplate struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec k8sPodSpec `yaml:"spec"`
	}
	k8sPodSpec struct {
		AutomountServiceAccountToken *bool `yaml:"automountServiceAccountToken"`
		SecurityContext              struct {
			RunAsNonRoot   *bool          `yaml:"runAsNonRoot"`
			SeccompProfile k8sSeccomp     `yaml:"seccompProfile"`
			Sysctls        []k8sNameValue `yaml:"sysctls"`
		} `yaml:"securityContext"`
		Containers []k8sContainer `yaml:"containers"`
		Volumes    []struct {
			Name      string `yaml:"name"`
			ConfigMap *struct {
				Name string `yaml:"name"`
			} `yaml:"configMap"`
		} `yaml:"volumes"`
	}
	k8sSeccomp struct {
		Type string `yaml:"type"`
	}
	k8sNameValue struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	}
	k8sContainer struct {
		Name           string             `yaml:"name"`
		Command        []string           `yaml:"command"`
		Args           []string           `yaml:"args"`
		Env            []k8sEnv           `yaml:"env"`
		Ports          []k8sContainerPort `yaml:"ports"`
		ReadinessProbe *k8sProbe          `yaml:"readinessProbe"`
		LivenessProbe  *k8sProbe          `yaml:"livenessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool      `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool      `yaml:"readOnlyRootFilesystem"`
			RunAsNonRoot             *bool      `yaml:"runAsNonRoot"`
			SeccompProfile           k8sSeccomp `yaml:"seccompProfile"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
				Add  []string `yaml:"add"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			SubPath   string `yaml:"subPath"`
		} `yaml:"volumeMounts"`
	}
	k8sContainerPort struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
		Protocol      string `yaml:"protocol"`
	}
	k8sEnv struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			FieldRef *struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	}
	k8sProbe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"`
		} `yaml:"httpGet"`
	}
)

// rendered is the output of one `helm template`, by kind and name.
type rendered map[string]map[string]k8sObject

func (r rendered) get(t *testing.T, kind, name string) k8sObject {
	t.Helper()
	obj, ok := r[kind][name]
	if !ok {
		t.Fatalf("rendered chart: no %s named %s; %s objects: %v", kind, name, kind, slices.Sorted(mapsKeys(r[kind])))
	}
	return obj
}

func mapsKeys(m map[string]k8sObject) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

const (
	chartRelease   = "mail"
	chartNamespace = "mayfly"
	// chartPrefix is the release's full name: release "mail" and chart
	// "mayfly" give mail-mayfly.
	chartPrefix = "mail-mayfly"
)

// findHelm returns the helm binary named by $MAYFLY_HELM or found on PATH,
// and skips the test when there is none.
func findHelm(t *testing.T) string {
	t.Helper()
	if path := os.Getenv("MAYFLY_HELM"); path != "" {
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("MAYFLY_HELM=%s: %v", path, err)
		}
		return path
	}
	path, err := exec.LookPath("helm")
	if err != nil {
		t.Skip("SKIP: helm not found on PATH and MAYFLY_HELM is unset; build it with `go install helm.sh/helm/v4/cmd/helm@v4.3.2`")
	}
	return path
}

func chartDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "deploy", "kubernetes", "mayfly")
}

// helmOutput runs helm and returns its standard output, or its error with
// the standard error in it.
func helmOutput(t *testing.T, helm string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(helm, args...)
	// Keep helm away from the user's kubeconfig and caches: nothing here
	// talks to a cluster.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "KUBECONFIG="+filepath.Join(home, "none"),
		"HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", errors.Join(err, errors.New(strings.TrimSpace(stderr.String())))
	}
	return stdout.String(), nil
}

// renderChart runs `helm lint` and `helm template` with the values files
// and extra arguments, and decodes every manifest.
func renderChart(t *testing.T, helm string, args ...string) rendered {
	t.Helper()
	lint := append([]string{"lint", "--strict", chartDir(t)}, args...)
	if out, err := helmOutput(t, helm, lint...); err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(lint, " "), err, out)
	}
	tmpl := append([]string{"template", chartRelease, chartDir(t), "--namespace", chartNamespace}, args...)
	out, err := helmOutput(t, helm, tmpl...)
	if err != nil {
		t.Fatalf("helm %s: %v", strings.Join(tmpl, " "), err)
	}

	objects := rendered{}
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var obj k8sObject
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("decode rendered manifest: %v", err)
		}
		if obj.Kind == "" {
			continue
		}
		if objects[obj.Kind] == nil {
			objects[obj.Kind] = map[string]k8sObject{}
		}
		if _, dup := objects[obj.Kind][obj.Metadata.Name]; dup {
			t.Errorf("rendered chart: two %s objects named %s", obj.Kind, obj.Metadata.Name)
		}
		objects[obj.Kind][obj.Metadata.Name] = obj
	}
	return objects
}

func twoRegionValues(t *testing.T) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "deploy", "kubernetes", "examples", "two-regions.yaml")
}

func TestKubernetes_ControlPlaneStatefulSet(t *testing.T) {
	helm := findHelm(t)
	objects := renderChart(t, helm)
	name := chartPrefix + "-control"
	headless := name + "-headless"
	sts := objects.get(t, "StatefulSet", name)

	if sts.Spec.Replicas == nil || *sts.Spec.Replicas != 3 {
		t.Errorf("control replicas: got %s, want 3", showInt(sts.Spec.Replicas))
	}
	if sts.Spec.ServiceName != headless {
		t.Errorf("control serviceName: got %q, want %q", sts.Spec.ServiceName, headless)
	}
	if sts.Spec.PodManagementPolicy != "Parallel" {
		t.Errorf("control podManagementPolicy: got %q, want Parallel", sts.Spec.PodManagementPolicy)
	}
	if len(sts.Spec.VolumeClaimTemplates) != 1 {
		t.Errorf("control volumeClaimTemplates: got %d, want 1", len(sts.Spec.VolumeClaimTemplates))
	}
	if p := sts.Spec.UpdateStrategy.RollingUpdate.Partition; sts.Spec.UpdateStrategy.Type != "RollingUpdate" || p == nil {
		t.Errorf("control updateStrategy: got %+v, want RollingUpdate with a partition", sts.Spec.UpdateStrategy)
	}

	svc := objects.get(t, "Service", headless)
	if svc.Spec.ClusterIP != "None" || !svc.Spec.PublishNotReadyAddresses {
		t.Errorf("service %s: got clusterIP %q, publishNotReadyAddresses %v; want None and true", headless, svc.Spec.ClusterIP, svc.Spec.PublishNotReadyAddresses)
	}

	c := sts.Spec.Template.Spec.Containers[0]
	domain := headless + "." + chartNamespace + ".svc.cluster.local"
	wantArgs := []string{
		"control",
		"--config=/etc/mayfly/control.yaml",
		"--bootstrap-if-new=" + name + "-0",
		"--join=http://" + name + "-0." + domain + ":9400,http://" + name + "-1." + domain + ":9400,http://" + name + "-2." + domain + ":9400",
	}
	if !slices.Equal(c.Args, wantArgs) {
		t.Errorf("control args:\n got %q\nwant %q", c.Args, wantArgs)
	}
	env := envMap(c)
	if ref := env["MAYFLY_NODE_ID"].ValueFrom; ref == nil || ref.FieldRef == nil || ref.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("control MAYFLY_NODE_ID: got %+v, want the pod name from metadata.name", env["MAYFLY_NODE_ID"])
	}
	if got, want := env["MAYFLY_CONTROL_RAFT_ADVERTISE"].Value, "$(MAYFLY_NODE_ID)."+domain+":9300"; got != want {
		t.Errorf("control raft advertise: got %q, want %q", got, want)
	}

	pdb := objects.get(t, "PodDisruptionBudget", name)
	if pdb.Spec.MaxUnavailable == nil || *pdb.Spec.MaxUnavailable != 1 {
		t.Errorf("control PDB maxUnavailable: got %s, want 1", showInt(pdb.Spec.MaxUnavailable))
	}
	if !selects(selectorLabels(t, pdb), sts.Spec.Template.Metadata.Labels) {
		t.Errorf("control PDB selector %v does not select the pods' labels %v", selectorLabels(t, pdb), sts.Spec.Template.Metadata.Labels)
	}
}

// TestKubernetes_UpgradeValues checks the values that docs/upgrades.md
// changes during an upgrade.
func TestKubernetes_UpgradeValues(t *testing.T) {
	helm := findHelm(t)
	objects := renderChart(t, helm, "-f", twoRegionValues(t),
		"--set", "control.updatePartition=3,edge.updatePartition.eu=2,control.founder=none")

	partitions := map[string]int{chartPrefix + "-control": 3, chartPrefix + "-edge-eu": 2, chartPrefix + "-edge-us": 0}
	for name, want := range partitions {
		got := objects.get(t, "StatefulSet", name).Spec.UpdateStrategy.RollingUpdate.Partition
		if got == nil || *got != want {
			t.Errorf("%s partition: got %s, want %d", name, showInt(got), want)
		}
	}
	args := objects.get(t, "StatefulSet", chartPrefix+"-control").Spec.Template.Spec.Containers[0].Args
	if !slices.Contains(args, "--bootstrap-if-new=none") {
		t.Errorf("control args with control.founder=none: got %q, want --bootstrap-if-new=none", args)
	}
}

func TestKubernetes_Services(t *testing.T) {
	helm := findHelm(t)
	objects := renderChart(t, helm)

	dns := objects.get(t, "Service", chartPrefix+"-control-dns")
	if !hasPort(dns, 53, "UDP") || !hasPort(dns, 53, "TCP") {
		t.Errorf("DNS service ports: got %+v, want 53 over UDP and TCP", dns.Spec.Ports)
	}
	public := objects.get(t, "Service", chartPrefix+"-edge-local")
	if !hasPort(public, 25, "TCP") || !hasPort(public, 80, "TCP") {
		t.Errorf("edge service ports: got %+v, want 25 and 80", public.Spec.Ports)
	}
	for _, name := range []string{chartPrefix + "-control", chartPrefix + "-edge-local-internal"} {
		svc := objects.get(t, "Service", name)
		if svc.Spec.Type != "ClusterIP" {
			t.Errorf("service %s type: got %q, want ClusterIP", name, svc.Spec.Type)
		}
	}
	if !hasPort(objects.get(t, "Service", chartPrefix+"-edge-local-internal"), 8081, "TCP") {
		t.Errorf("edge internal service: want port 8081")
	}

	// Every Service port must name a port of the pods it selects.
	for name, svc := range objects["Service"] {
		for _, p := range svc.Spec.Ports {
			if !podsExposePort(objects, p.TargetPort, p.Protocol) {
				t.Errorf("service %s port %s: no container port named %q over %s", name, p.Name, p.TargetPort, p.Protocol)
			}
		}
	}
}

func TestKubernetes_ProbesResourcesAndSecurity(t *testing.T) {
	helm := findHelm(t)
	for _, values := range [][]string{nil, {"-f", twoRegionValues(t)}} {
		objects := renderChart(t, helm, values...)
		for name, sts := range objects["StatefulSet"] {
			pod := sts.Spec.Template.Spec
			checkPodSecurity(t, name, pod, false)
			for _, c := range pod.Containers {
				checkProbe(t, name, "readiness", c, c.ReadinessProbe, "/readyz")
				checkProbe(t, name, "liveness", c, c.LivenessProbe, "/healthz")
				checkResources(t, name, c)
			}
		}
		for name, job := range objects["Job"] {
			checkPodSecurity(t, name, job.Spec.Template.Spec, false)
			for _, c := range job.Spec.Template.Spec.Containers {
				checkResources(t, name, c)
			}
		}
	}
}

func TestKubernetes_LowPortsGetBindCapability(t *testing.T) {
	helm := findHelm(t)
	lowPorts := filepath.Join(repoRoot(t), "deploy", "kubernetes", "testdata", "low-ports.yaml")
	objects := renderChart(t, helm, "-f", lowPorts)

	for _, name := range []string{chartPrefix + "-control", chartPrefix + "-edge-local"} {
		pod := objects.get(t, "StatefulSet", name).Spec.Template.Spec
		checkPodSecurity(t, name, pod, true)
	}
}

// TestKubernetes_SecretsStayOutOfConfigMaps renders the chart with given
// tokens and checks that they reach pods only through the Secret.
func TestKubernetes_SecretsStayOutOfConfigMaps(t *testing.T) {
	helm := findHelm(t)
	const operator, cluster = "operator-0b7c2f9d-secret", "cluster-5e1a8c3d-secret"
	objects := renderChart(t, helm, "-f", twoRegionValues(t),
		"--set", "secrets.operatorToken="+operator, "--set", "secrets.clusterToken="+cluster)

	secret := objects.get(t, "Secret", chartPrefix+"-tokens")
	for key, want := range map[string]string{"operator-token": operator, "cluster-token": cluster} {
		got, err := base64.StdEncoding.DecodeString(secret.Data[key])
		if err != nil || string(got) != want {
			t.Errorf("secret %s: got %q (%v), want %q", key, got, err, want)
		}
	}
	for name, cm := range objects["ConfigMap"] {
		for key, text := range cm.Data {
			for _, token := range []string{operator, cluster} {
				if strings.Contains(text, token) {
					t.Errorf("ConfigMap %s key %s holds a token", name, key)
				}
			}
		}
	}
	for _, c := range allContainers(objects) {
		for _, e := range c.Env {
			if strings.Contains(e.Value, operator) || strings.Contains(e.Value, cluster) {
				t.Errorf("container %s env %s holds a token as a literal value", c.Name, e.Name)
			}
		}
	}
}

func TestKubernetes_GeneratedTokensAreRandom(t *testing.T) {
	helm := findHelm(t)
	first := renderChart(t, helm).get(t, "Secret", chartPrefix+"-tokens")
	second := renderChart(t, helm).get(t, "Secret", chartPrefix+"-tokens")

	for _, key := range []string{"operator-token", "cluster-token"} {
		token, err := base64.StdEncoding.DecodeString(first.Data[key])
		if err != nil || !regexp.MustCompile(`^[A-Za-z0-9]{48}$`).Match(token) {
			t.Errorf("generated %s: got %q (%v), want 48 random letters and digits", key, token, err)
		}
		if first.Data[key] == second.Data[key] {
			t.Errorf("generated %s: the same in two renderings, want a fresh random value outside a cluster", key)
		}
	}
	if first.Data["operator-token"] == first.Data["cluster-token"] {
		t.Errorf("generated tokens: operator and cluster token are equal")
	}
}

func TestKubernetes_ExistingSecretUsed(t *testing.T) {
	helm := findHelm(t)
	objects := renderChart(t, helm, "--set", "secrets.existingSecret=my-tokens")

	if len(objects["Secret"]) != 0 {
		t.Errorf("secrets rendered with existingSecret: got %v, want none", slices.Sorted(mapsKeys(objects["Secret"])))
	}
	for _, c := range allContainers(objects) {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name != "my-tokens" {
				t.Errorf("container %s env %s: got secret %q, want my-tokens", c.Name, e.Name, e.ValueFrom.SecretKeyRef.Name)
			}
		}
	}
}

// TestKubernetes_TwoRegions checks the edges of the example values: one
// StatefulSet, its Services and a PDB per region, with the region's
// settings in its configuration.
func TestKubernetes_TwoRegions(t *testing.T) {
	helm := findHelm(t)
	objects := renderChart(t, helm, "-f", twoRegionValues(t))
	edgeConfig := objects.get(t, "ConfigMap", chartPrefix+"-edge-config")

	tests := []struct {
		region   string
		replicas int
		mxDomain string
		addrs    []string
	}{
		{"eu", 3, "eu.ops.mail.example", []string{"192.0.2.25"}},
		{"us", 2, "us.ops.mail.example", []string{"198.51.100.25", "2001:db8::25"}},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			name := chartPrefix + "-edge-" + tt.region
			sts := objects.get(t, "StatefulSet", name)
			if sts.Spec.Replicas == nil || *sts.Spec.Replicas != tt.replicas {
				t.Errorf("replicas: got %s, want %d", showInt(sts.Spec.Replicas), tt.replicas)
			}
			if len(sts.Spec.VolumeClaimTemplates) != 1 {
				t.Errorf("volumeClaimTemplates: got %d, want 1", len(sts.Spec.VolumeClaimTemplates))
			}
			for _, svc := range []string{name, name + "-internal", name + "-headless"} {
				got := objects.get(t, "Service", svc)
				if !selects(selectorLabels(t, got), sts.Spec.Template.Metadata.Labels) {
					t.Errorf("service %s does not select the region's pods", svc)
				}
			}
			pdb := objects.get(t, "PodDisruptionBudget", name)
			if pdb.Spec.MaxUnavailable == nil || *pdb.Spec.MaxUnavailable != 1 {
				t.Errorf("PDB maxUnavailable: got %s, want 1", showInt(pdb.Spec.MaxUnavailable))
			}
			if !selects(selectorLabels(t, pdb), sts.Spec.Template.Metadata.Labels) {
				t.Errorf("PDB %s does not select the region's pods", name)
			}

			env := envMap(sts.Spec.Template.Spec.Containers[0])
			if got, want := env["MAYFLY_EDGE_MX_HOST"].Value, "$(MAYFLY_NODE_ID)."+tt.mxDomain; got != want {
				t.Errorf("MX host: got %q, want %q", got, want)
			}
			cfg := loadRenderedConfig(t, edgeConfig.Data["edge-"+tt.region+".yaml"], nil)
			if cfg.Edge.Region != tt.region || !slices.Equal(cfg.Edge.PublicAddr, tt.addrs) {
				t.Errorf("edge config: got region %q, public_addr %v; want %q, %v", cfg.Edge.Region, cfg.Edge.PublicAddr, tt.region, tt.addrs)
			}
			if len(cfg.Edge.ControlPlane) != 3 {
				t.Errorf("edge control_plane: got %v, want the 3 control-plane pods", cfg.Edge.ControlPlane)
			}
			if cfg.Edge.MaxTTL.String() != "72h0m0s" {
				t.Errorf("edge max_ttl from edge.config: got %s, want 72h", cfg.Edge.MaxTTL)
			}
		})
	}

	control := loadRenderedConfig(t, objects.get(t, "ConfigMap", chartPrefix+"-control-config").Data["control.yaml"], nil)
	if got := control.Control.Blocklist.RegionMinActive; got["eu"] != 1 || got["us"] != 2 {
		t.Errorf("control region_min_active: got %v, want eu 1 and us 2", got)
	}

	job := objects.get(t, "Job", chartPrefix+"-pool")
	var calls []string
	for _, c := range job.Spec.Template.Spec.Containers {
		calls = append(calls, strings.Join(c.Args[1:], " "))
	}
	wantCalls := []string{
		"domains add eu-inbox.example --region=eu",
		"domains add eu-spare.example --region=eu --standby",
		"domains add us-inbox.example us-mail.example --region=us",
	}
	if !slices.Equal(calls, wantCalls) {
		t.Errorf("pool job calls:\n got %q\nwant %q", calls, wantCalls)
	}
}

// TestKubernetes_ConfigLoadsInPods loads each rendered configuration file
// with the environment its pods get, as `mayfly control` and `mayfly edge`
// do at start-up, and checks that every MAYFLY_ variable names a key.
func TestKubernetes_ConfigLoadsInPods(t *testing.T) {
	helm := findHelm(t)
	objects := renderChart(t, helm, "-f", twoRegionValues(t))
	secret := objects.get(t, "Secret", chartPrefix+"-tokens")

	for name, sts := range objects["StatefulSet"] {
		t.Run(name, func(t *testing.T) {
			c := sts.Spec.Template.Spec.Containers[0]
			file := mountedConfig(t, objects, sts.Spec.Template.Spec, c)
			env := podEnv(t, c, name+"-0", secret)

			var names []string
			for key := range env {
				names = append(names, key+"=x")
			}
			if unknown := config.UnknownEnvironment(names); len(unknown) > 0 {
				t.Errorf("environment variables that set no key: %v", unknown)
			}
			cfg := loadRenderedConfig(t, file, env)
			if cfg.NodeID != name+"-0" {
				t.Errorf("node id: got %q, want the pod name %s-0", cfg.NodeID, name)
			}
			if cfg.ClusterToken.Reveal() == "" {
				t.Errorf("cluster token: empty, want it from the Secret")
			}
		})
	}
}

func TestKubernetes_InvalidValuesRejected(t *testing.T) {
	helm := findHelm(t)
	tests := []struct {
		name string
		set  string
		want string
	}{
		{"upper-case region", "regions[0].name=EU,regions[0].mxDomain=eu.mayfly-ops.example", `invalid region name "EU"`},
		{"region listed twice", "regions[0].name=eu,regions[0].mxDomain=eu.mayfly-ops.example,regions[1].name=eu,regions[1].mxDomain=eu.mayfly-ops.example", `region "eu" is listed twice`},
		{"MX domain outside the operations zone", "regions[0].name=eu,regions[0].mxDomain=mx.elsewhere.example", "outside control.dns.opsZone"},
		{"no regions", "regions=null", "list at least one region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := helmOutput(t, helm, "template", chartRelease, chartDir(t), "--namespace", chartNamespace, "--set", tt.set)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("helm template --set %s: got error %v, want one containing %q", tt.set, err, tt.want)
			}
		})
	}
}

// checkPodSecurity checks the restrictive pod and container settings, and
// that NET_BIND_SERVICE and the port sysctl appear exactly when lowPorts.
func checkPodSecurity(t *testing.T, name string, pod k8sPodSpec, lowPorts bool) {
	t.Helper()
	sc := pod.SecurityContext
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.SeccompProfile.Type != "RuntimeDefault" {
		t.Errorf("%s pod securityContext: got runAsNonRoot %v, seccomp %q; want true, RuntimeDefault", name, showBool(sc.RunAsNonRoot), sc.SeccompProfile.Type)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s automountServiceAccountToken: got %v, want false", name, showBool(pod.AutomountServiceAccountToken))
	}
	hasSysctl := slices.ContainsFunc(sc.Sysctls, func(s k8sNameValue) bool { return s.Name == "net.ipv4.ip_unprivileged_port_start" })
	if hasSysctl != lowPorts {
		t.Errorf("%s sysctl net.ipv4.ip_unprivileged_port_start: got present=%v, want %v", name, hasSysctl, lowPorts)
	}
	for _, c := range pod.Containers {
		csc := c.SecurityContext
		if csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
			t.Errorf("%s/%s readOnlyRootFilesystem: got %v, want true", name, c.Name, showBool(csc.ReadOnlyRootFilesystem))
		}
		if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
			t.Errorf("%s/%s allowPrivilegeEscalation: got %v, want false", name, c.Name, showBool(csc.AllowPrivilegeEscalation))
		}
		if csc.RunAsNonRoot == nil || !*csc.RunAsNonRoot || csc.SeccompProfile.Type != "RuntimeDefault" {
			t.Errorf("%s/%s: got runAsNonRoot %v, seccomp %q; want true, RuntimeDefault", name, c.Name, showBool(csc.RunAsNonRoot), csc.SeccompProfile.Type)
		}
		if !slices.Equal(csc.Capabilities.Drop, []string{"ALL"}) {
			t.Errorf("%s/%s capabilities.drop: got %v, want [ALL]", name, c.Name, csc.Capabilities.Drop)
		}
		var wantAdd []string
		if lowPorts {
			wantAdd = []string{"NET_BIND_SERVICE"}
		}
		if !slices.Equal(csc.Capabilities.Add, wantAdd) {
			t.Errorf("%s/%s capabilities.add: got %v, want %v", name, c.Name, csc.Capabilities.Add, wantAdd)
		}
	}
}

func checkProbe(t *testing.T, name, kind string, c k8sContainer, p *k8sProbe, path string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s/%s %s probe: missing, want GET %s", name, c.Name, kind, path)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s/%s %s probe path: got %q, want %q", name, c.Name, kind, p.HTTPGet.Path, path)
	}
	if !slices.ContainsFunc(c.Ports, func(cp k8sContainerPort) bool { return cp.Name == p.HTTPGet.Port }) {
		t.Errorf("%s/%s %s probe port %q: the container has no port of that name", name, c.Name, kind, p.HTTPGet.Port)
	}
}

func checkResources(t *testing.T, name string, c k8sContainer) {
	t.Helper()
	for _, r := range []string{"cpu", "memory"} {
		if c.Resources.Requests[r] == "" || c.Resources.Limits[r] == "" {
			t.Errorf("%s/%s resources %s: got request %q, limit %q; want both", name, c.Name, r, c.Resources.Requests[r], c.Resources.Limits[r])
		}
	}
}

func envMap(c k8sContainer) map[string]k8sEnv {
	m := map[string]k8sEnv{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

// podEnv returns the environment a container of pod podName gets: field
// references to metadata.name, Secret keys from secret and $(VAR)
// references to variables defined earlier in the list.
func podEnv(t *testing.T, c k8sContainer, podName string, secret k8sObject) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			value := e.Value
			for name, v := range env {
				value = strings.ReplaceAll(value, "$("+name+")", v)
			}
			env[e.Name] = value
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.name":
			env[e.Name] = podName
		case e.ValueFrom.SecretKeyRef != nil:
			v, err := base64.StdEncoding.DecodeString(secret.Data[e.ValueFrom.SecretKeyRef.Key])
			if err != nil || len(v) == 0 {
				t.Fatalf("env %s: secret key %q missing or invalid: %v", e.Name, e.ValueFrom.SecretKeyRef.Key, err)
			}
			env[e.Name] = string(v)
		default:
			t.Fatalf("env %s: a source this test does not resolve: %+v", e.Name, e.ValueFrom)
		}
	}
	return env
}

// mountedConfig returns the ConfigMap text mounted at the --config path.
func mountedConfig(t *testing.T, objects rendered, pod k8sPodSpec, c k8sContainer) string {
	t.Helper()
	var path string
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			path = v
		}
	}
	for _, m := range c.VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.ConfigMap != nil {
				text, ok := objects.get(t, "ConfigMap", v.ConfigMap.Name).Data[m.SubPath]
				if !ok {
					t.Fatalf("ConfigMap %s has no key %s", v.ConfigMap.Name, m.SubPath)
				}
				return text
			}
		}
	}
	t.Fatalf("container %s: no ConfigMap mounted at --config path %q", c.Name, path)
	return ""
}

// loadRenderedConfig loads text as a Mayfly configuration file with env
// set, the way the binaries do, and fails the test when it is invalid.
func loadRenderedConfig(t *testing.T, text string, env map[string]string) config.Config {
	t.Helper()
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for key, value := range env {
		t.Setenv(key, value)
	}
	cfg, err := config.Load(config.Source{File: file})
	if err != nil {
		t.Fatalf("load rendered configuration: %v\n%s", err, text)
	}
	return cfg
}

func allContainers(objects rendered) []k8sContainer {
	var out []k8sContainer
	for _, kind := range []string{"StatefulSet", "Job"} {
		for _, obj := range objects[kind] {
			out = append(out, obj.Spec.Template.Spec.Containers...)
		}
	}
	return out
}

func hasPort(svc k8sObject, port int, protocol string) bool {
	return slices.ContainsFunc(svc.Spec.Ports, func(p k8sServicePort) bool {
		return p.Port == port && p.Protocol == protocol
	})
}

// podsExposePort reports whether a StatefulSet's container has a port
// named name over protocol.
func podsExposePort(objects rendered, name, protocol string) bool {
	for _, sts := range objects["StatefulSet"] {
		for _, c := range sts.Spec.Template.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == name && p.Protocol == protocol {
					return true
				}
			}
		}
	}
	return false
}

// selectorLabels returns the labels that obj's spec.selector matches.
func selectorLabels(t *testing.T, obj k8sObject) map[string]string {
	t.Helper()
	var labels map[string]string
	var err error
	if obj.Kind == "Service" {
		err = obj.Spec.Selector.Decode(&labels)
	} else {
		var sel struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		}
		err = obj.Spec.Selector.Decode(&sel)
		labels = sel.MatchLabels
	}
	if err != nil {
		t.Fatalf("%s %s selector: %v", obj.Kind, obj.Metadata.Name, err)
	}
	return labels
}

// selects reports whether every label of selector is in labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// showBool and showInt print an optional field for a failure message.
func showBool(p *bool) string {
	if p == nil {
		return "unset"
	}
	return strconv.FormatBool(*p)
}

func showInt(p *int) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(*p)
}
