package main

// figures lists every figure the issues ask for, each with its same-run
// baseline and goal.
func figures() []figure {
	atLeast := func(min float64) func(v, r float64) bool { return func(v, _ float64) bool { return v >= min } }
	atMost := func(max float64) func(v, r float64) bool { return func(v, _ float64) bool { return v <= max } }
	ratioAtLeast := func(min float64) func(v, r float64) bool { return func(_, r float64) bool { return r >= min } }
	ratioAtMost := func(max float64) func(v, r float64) bool { return func(_, r float64) bool { return r > 0 && r <= max } }
	const arm = "./internal/armtest"
	const dp = "./internal/dataplane"
	// idlePass is issue 19's idle data-plane pass at nodes nodes (CPU ms),
	// Update measured against the full read-back Set.
	idlePass := func(nodes, name, goal string, pass func(v, r float64) bool) figure {
		bench := "BenchmarkIdlePass/nodes=" + nodes
		return figure{Issue: 19, Name: name, Value: source{Pkg: dp, Bench: bench + "/update", Metric: "cpu-ms/op"},
			Baseline: &source{Pkg: dp, Bench: bench + "/set", Metric: "cpu-ms/op"}, Goal: goal, Pass: pass, RootOnly: true}
	}
	// updateChange is issue 19's time for Update to apply one change
	// (pod-add, nsg-change) at nodes nodes, against the same change at 3.
	updateChange := func(change, nodes, name, goal string, pass func(v, r float64) bool) figure {
		return figure{Issue: 19, Name: name, Value: source{Pkg: dp, Bench: "BenchmarkUpdateChange/nodes=" + nodes + "/" + change, Metric: "ms/change"},
			Baseline: &source{Pkg: dp, Bench: "BenchmarkUpdateChange/nodes=3/" + change, Metric: "ms/change"}, Goal: goal, Pass: pass, RootOnly: true}
	}
	// kube is a figure of issue 16, measured by e2e/kube's benchmarks against
	// aksnet-kube --bare (etcd and kube-apiserver only, reached directly).
	const kube = "./e2e/kube"
	kubeBare := func(metric string) *source {
		return &source{Pkg: kube, Bench: "BenchmarkKube", Metric: "bare-" + metric}
	}
	return []figure{
		{Issue: 16, Name: "Kubernetes cold start: credentials request → first kubectl get nodes answer through aksnetd (ms), vs bare kube-apiserver start → first answer",
			Value: source{Pkg: kube, Bench: "BenchmarkKube", Metric: "cold-ms"}, Baseline: kubeBare("cold-ms"), Goal: "≤ 4,000 ms", Pass: atMost(4000)},
		{Issue: 16, Name: "Kubernetes RSS per active cluster, 3 Nodes (MB), vs bare kube-apiserver",
			Value: source{Pkg: kube, Bench: "BenchmarkKube", Metric: "rss-MB"}, Baseline: kubeBare("rss-MB"), Goal: "≤ 300 MB", Pass: atMost(300)},
		{Issue: 16, Name: "Kubernetes RSS per active cluster: anonymous part (MB; the rest is the binary's text, shared), vs bare kube-apiserver",
			Value: source{Pkg: kube, Bench: "BenchmarkKube", Metric: "anon-MB"}, Baseline: kubeBare("anon-MB"), Goal: "recorded", Pass: atLeast(0)},
		{Issue: 16, Name: "Kubernetes kubectl get nodes, 3 Nodes, through aksnetd's port (ms, kubectl's start included), vs bare kube-apiserver directly",
			Value: source{Pkg: kube, Bench: "BenchmarkKube", Metric: "getnodes-ms"}, Baseline: kubeBare("getnodes-ms"), Goal: "≤ 1.2× bare", Pass: ratioAtMost(1.2)},
		{Issue: 16, Name: "Kubernetes 20 clusters created, 5 used at once: slowest credentials request → first kubectl answer (ms)",
			Value: source{Pkg: kube, Bench: "BenchmarkKubeClusters", Metric: "first-ms"}, Goal: "recorded", Pass: atLeast(0)},
		{Issue: 16, Name: "Kubernetes 20 clusters created, 5 used at once: total RSS of the control planes (MB)",
			Value: source{Pkg: kube, Bench: "BenchmarkKubeClusters", Metric: "total-rss-MB"}, Goal: "recorded (≤ 5 × 300 MB)", Pass: atMost(1500)},
		{Issue: 16, Name: "Kubernetes 20 clusters created, 5 used at once: total Pss of the control planes (MB; the binary's text counted once)",
			Value: source{Pkg: kube, Bench: "BenchmarkKubeClusters", Metric: "total-pss-MB"}, Goal: "recorded", Pass: atLeast(0)},
		{Issue: 16, Name: "Kubernetes 20 clusters created, 5 used at once: control planes running for the 15 idle clusters",
			Value: source{Pkg: kube, Bench: "BenchmarkKubeClusters", Metric: "idle-procs"}, Goal: "0 (idle clusters cost nothing)", Pass: atMost(0)},
		{Issue: 16, Name: "Kubernetes 400 Nodes: control plane start → all 400 Nodes Ready in kubectl (ms)",
			Value: source{Pkg: kube, Bench: "BenchmarkKube400Nodes", Metric: "ready-ms"}, Goal: "≤ 10,000 ms", Pass: atMost(10000)},
		{Issue: 16, Name: "Kubernetes 400 Nodes: CPU of keeping their Leases (% of a core: the process at 400 Nodes minus at 3)",
			Value: source{Pkg: kube, Bench: "BenchmarkKube400Nodes", Metric: "lease-cpu-pct"}, Goal: "≤ 5% of a core", Pass: atMost(5)},
		{Issue: 16, Name: "Kubernetes 400 Nodes: process CPU (% of a core), vs the same process at 3 Nodes",
			Value:    source{Pkg: kube, Bench: "BenchmarkKube400Nodes", Metric: "cpu-pct"},
			Baseline: &source{Pkg: kube, Bench: "BenchmarkKube400Nodes", Metric: "idle-cpu-pct"}, Goal: "recorded", Pass: atLeast(0)},
		{Issue: 2, Name: "ARM GET of a VNet (TLS, auth, store), 32 clients, vs bare Go TLS handler (req/s)", Value: source{Pkg: arm, Bench: "BenchmarkARM_GetVNet/c32", Metric: "req/s"},
			Baseline: &source{Pkg: arm, Bench: "BenchmarkBareTLS_Get/c32", Metric: "req/s"}, Higher: true, Goal: "≥ 50% of bare", Pass: ratioAtLeast(0.5)},
		{Issue: 2, Name: "ARM GET allocations (one client)", Value: source{Pkg: arm, Bench: "BenchmarkARM_GetVNet/c1", Metric: "allocs/op"}, Goal: "recorded", Pass: atLeast(0)},
		{Issue: 2, Name: "ARM PUT of a VNet, sequential", Value: source{Pkg: arm, Bench: "BenchmarkARM_PutVNet", Metric: "ns/op"}, Goal: "recorded", Pass: atLeast(0)},
		{Issue: 2, Name: "ARM PUT allocations", Value: source{Pkg: arm, Bench: "BenchmarkARM_PutVNet", Metric: "allocs/op"}, Goal: "recorded", Pass: atLeast(0)},
		{Issue: 14, Name: "Durable VNet PUTs (two subnets), 32 clients, in process, vs tuned bbolt batching (db.Batch, 32 writers, VNet-sized values)", Value: source{Pkg: arm, Bench: "BenchmarkARM_PutVNetParallel", Metric: "req/s"},
			Baseline: &source{Pkg: arm, Bench: "BenchmarkBoltBatch_Put", Metric: "req/s"}, Higher: true, Goal: "≥ 10,000 PUT/s", Pass: atLeast(10000),
			Previous: 1850, PreviousNote: "whole process, issue 14"},
		{Issue: 14, Name: "Durable route PUTs (routes child resource, 32 tables of 100), 32 clients, in process, vs tuned bbolt batching", Value: source{Pkg: arm, Bench: "BenchmarkARM_PutRouteParallel", Metric: "req/s"},
			Baseline: &source{Pkg: arm, Bench: "BenchmarkBoltBatch_Put", Metric: "req/s"}, Higher: true, Goal: "≥ 10,000 PUT/s", Pass: atLeast(10000)},
		{Issue: 14, Name: "Durable route table PUTs (one route each), 32 clients, in process, vs tuned bbolt batching", Value: source{Pkg: arm, Bench: "BenchmarkARM_PutRouteTableParallel", Metric: "req/s"},
			Baseline: &source{Pkg: arm, Bench: "BenchmarkBoltBatch_Put", Metric: "req/s"}, Higher: true, Goal: "≥ 10,000 PUT/s", Pass: atLeast(10000),
			Previous: 2725, PreviousNote: "in process, 2026-11-26 report"},
		{Issue: 14, Name: "Durable HTTPS PUT floor: a bare TLS handler that stores each body with tuned bbolt batching, the same 32 clients, in process, vs tuned bbolt batching alone", Value: source{Pkg: arm, Bench: "BenchmarkBareTLS_DurablePut", Metric: "req/s"},
			Baseline: &source{Pkg: arm, Bench: "BenchmarkBoltBatch_Put", Metric: "req/s"}, Higher: true, Goal: "recorded (no PUT handler here passes it)", Pass: atLeast(0)},
		{Issue: 14, Name: "Durable HTTPS PUT floor over HTTP/2 (what the Azure SDK asks for when offered), vs the floor over HTTP/1.1", Value: source{Pkg: arm, Bench: "BenchmarkBareH2_DurablePut", Metric: "req/s"},
			Baseline: &source{Pkg: arm, Bench: "BenchmarkBareTLS_DurablePut", Metric: "req/s"}, Higher: true, Goal: "recorded (serving h2 would not raise the floor unless ≥ 1)", Pass: atLeast(0)},
		{Issue: 14, Name: "Durable VNet PUTs: CPU per PUT, client and server (cpu-µs), vs the durable HTTPS floor", Value: source{Pkg: arm, Bench: "BenchmarkARM_PutVNetParallel", Metric: "cpu-µs/op"},
			Baseline: &source{Pkg: arm, Bench: "BenchmarkBareTLS_DurablePut", Metric: "cpu-µs/op"}, Goal: "recorded (≤ 200 cpu-µs is 10,000 PUT/s on 2 cores)", Pass: atLeast(0)},
		{Issue: 14, Name: "Durable VNet PUTs, 32 clients, whole process (bench/arm.sh)", Value: source{Script: "bench/arm.sh", Key: "put_rps"},
			Higher: true, Goal: "≥ 10,000 PUT/s", Pass: atLeast(10000), Previous: 1850, PreviousNote: "issue 14"},
		{Issue: 2, Name: "Durable PUTs under concurrency (VNets with two subnets)", Value: source{Pkg: arm, Bench: "BenchmarkARM_PutVNetParallel", Metric: "req/s"}, Higher: true, Goal: "≥ 2,000 PUT/s", Pass: atLeast(2000)},
		{Issue: 2, Name: "Durable PUTs under concurrency (route tables)", Value: source{Pkg: arm, Bench: "BenchmarkARM_PutRouteTableParallel", Metric: "req/s"}, Higher: true,
			Goal: "≥ 2,000 PUT/s", Pass: atLeast(2000)},
		{Issue: 2, Name: "Store: concurrent durable puts vs one writer (time per put)", Value: source{Pkg: "./internal/store/bolt", Bench: "BenchmarkStore_Update_Concurrent", Metric: "ns/op"},
			Baseline: &source{Pkg: "./internal/store/bolt", Bench: "BenchmarkStore_Update_Sequential", Metric: "ns/op"}, Goal: "group commit ≥ 4× faster (ratio ≤ 0.25)", Pass: ratioAtMost(0.25)},
		{Issue: 2, Name: "Token verification, cached vs uncached", Value: source{Pkg: "./internal/identity", Bench: "BenchmarkVerifyCached", Metric: "ns/op"},
			Baseline: &source{Pkg: "./internal/identity", Bench: "BenchmarkVerifyUncached", Metric: "ns/op"}, Goal: "cache ≥ 10× faster (ratio ≤ 0.1)", Pass: ratioAtMost(0.1)},
		{Issue: 3, Name: "Create a 3-node kubenet cluster → Succeeded (SDK)", Value: source{Pkg: "./internal/provider/containerservice", Bench: "BenchmarkCreateCluster3Nodes", Metric: "ns/op"},
			Goal: "≤ 50 ms", Pass: atMost(50e6)},
		{Issue: 3, Name: "Create a 400-node kubenet cluster with 400 routes → Succeeded (SDK)", Value: source{Pkg: "./internal/provider/containerservice", Bench: "BenchmarkCreateCluster400Nodes", Metric: "ns/op"},
			Goal: "≤ 1 s", Pass: atMost(1e9)},
		{Issue: 3, Name: "Pod-CIDR allocator (4,096 /24s) vs plain bitmap scan", Value: source{Pkg: "./internal/kubenet", Bench: "BenchmarkPodCIDRAllocator", Metric: "ns/op"},
			Baseline: &source{Pkg: "./internal/kubenet", Bench: "BenchmarkPodCIDRAllocatorBitmapScan", Metric: "ns/op"}, Goal: "faster than the scan (ratio < 1)", Pass: ratioAtMost(0.99)},
		{Issue: 7, Name: "Next-hop lookup over 400 UDRs + system routes: LPM vs linear scan", Value: source{Pkg: "./internal/fabric", Bench: "BenchmarkNextHopLPM", Metric: "ns/op"},
			Baseline: &source{Pkg: "./internal/fabric", Bench: "BenchmarkNextHopLinear", Metric: "ns/op"}, Goal: "≥ 10× faster (ratio ≤ 0.1)", Pass: ratioAtMost(0.1)},
		{Issue: 2, Name: "RBAC check with 1,000 assignments", Value: source{Pkg: "./internal/rbac", Bench: "BenchmarkAuthorizerCheck/allowed", Metric: "ns/op"}, Goal: "recorded", Pass: atLeast(0)},
		{Issue: 8, Name: "Server RSS after 100 kubenet clusters of 3 nodes", Value: source{Script: "bench/memory.sh", Key: "rss_after_clusters_mib"}, Goal: "≤ 64 MiB", Pass: atMost(64)},
		{Issue: 8, Name: "Server RSS after 10,000 GETs", Value: source{Script: "bench/memory.sh", Key: "rss_after_gets_mib"}, Goal: "≤ 64 MiB", Pass: atMost(64)},
		{Issue: 8, Name: "RSS growth over 5 create/delete cycles of 10 clusters", Value: source{Script: "bench/memory.sh", Key: "rss_cycle_growth_mib"}, Goal: "≤ 4 MiB", Pass: atMost(4)},
		{Issue: 8, Name: "ARM GET throughput, whole process (req/s) vs bare TLS server", Value: source{Script: "bench/arm.sh", Key: "get_rps"},
			Baseline: &source{Script: "bench/arm.sh", Key: "bare_get_rps"}, Higher: true, Goal: "≥ 50% of bare", Pass: ratioAtLeast(0.5)},
		{Issue: 8, Name: "ARM durable PUT throughput, whole process (req/s) vs bare TLS server", Value: source{Script: "bench/arm.sh", Key: "put_rps"},
			Baseline: &source{Script: "bench/arm.sh", Key: "bare_put_rps"}, Higher: true, Goal: "≥ 2,000 /s", Pass: atLeast(2000)},
		{Issue: 6, Name: "Realise a 400-node cluster (one Set from nothing)", Value: source{Pkg: dp, Bench: "BenchmarkRealise400Nodes", Metric: "ns/op"}, Goal: "≤ 2 s", Pass: atMost(2e9), RootOnly: true},
		{Issue: 6, Name: "Add a pod network: aksnet vs CNI bridge + host-local v1.10.0", Value: source{Pkg: dp, Bench: "BenchmarkPodAdd/aksnet", Metric: "ns/op"},
			Baseline: &source{Pkg: dp, Bench: "BenchmarkPodAdd/cni-bridge-host-local", Metric: "ns/op"}, Goal: "at least as fast (ratio ≤ 1)", Pass: ratioAtMost(1), RootOnly: true},
		{Issue: 6, Name: "Pod round trip, cross-node minus same-node", Value: source{Pkg: dp, Bench: "BenchmarkPodRTT", Metric: "extra-µs"}, Goal: "≤ 10 µs", Pass: atMost(10), RootOnly: true},
		{Issue: 6, Name: "Single-stream TCP, cross-node / same-node", Value: source{Pkg: dp, Bench: "BenchmarkPodThroughput", Metric: "cross/same"}, Higher: true, Goal: "≥ 0.85", Pass: atLeast(0.85), RootOnly: true},
		idlePass("100", "Idle data-plane pass at 100 nodes (CPU ms; at one pass a second, ÷ 10 = % of a core): Update vs full read-back Set",
			"≤ 2% of a core (≤ 20 ms)", atMost(20)),
		idlePass("3", "Idle data-plane pass at 3 nodes (CPU ms): Update vs full read-back Set", "recorded", atLeast(0)),
		idlePass("400", "Idle data-plane pass at 400 nodes (CPU ms): Update vs full read-back Set", "recorded", atLeast(0)),
		updateChange("pod-add", "400", "Pod ready (Update with one pod added, ms) at 400 nodes vs at 3 nodes", "recorded", atLeast(0)),
		updateChange("nsg-change", "400", "NSG rule change applied at 3 and 400 nodes (Update, ms): 400 vs 3", "recorded", atLeast(0)),
		updateChange("pod-add", "100", "Pod ready (Update with one pod added, ms) at 100 nodes vs at 3 nodes", "≤ 1.5× the 3-node figure", ratioAtMost(1.5)),
		{Issue: 19, Name: "NSG rule change applied at 100 nodes (Update, ms)", Value: source{Pkg: dp, Bench: "BenchmarkUpdateChange/nodes=100/nsg-change", Metric: "ms/change"},
			Goal: "≤ 100 ms", Pass: atMost(100), RootOnly: true},
		{Issue: 8, Name: "Data plane memory per node", Value: source{Pkg: dp, Bench: "BenchmarkMemoryPerNodeAndPod", Metric: "KiB/node"}, Goal: "recorded", Pass: atLeast(-1e9), RootOnly: true},
		{Issue: 8, Name: "Data plane memory per pod", Value: source{Pkg: dp, Bench: "BenchmarkMemoryPerNodeAndPod", Metric: "KiB/pod"}, Goal: "recorded", Pass: atLeast(-1e9), RootOnly: true},
		{Issue: 7, Name: "Next hop through the whole stack (400-route table)", Value: source{Pkg: arm, Bench: "BenchmarkNextHopAPI", Metric: "ns/op"}, Goal: "recorded", Pass: atLeast(0)},
		{Issue: 18, Name: "Terraform apply of the article's system-assigned cluster (ms), vs the same apply's time inside Terraform (apply less the HTTP waits in its debug log)",
			Value:    source{Pkg: "./e2e/terraform", Bench: "BenchmarkTerraformApply", Metric: "apply-ms"},
			Baseline: &source{Pkg: "./e2e/terraform", Bench: "BenchmarkTerraformApply", Metric: "terraform-ms"},
			Goal:     "≤ 1.1× (aksnet is not the bottleneck)", Pass: ratioAtMost(1.1), Needs: "e2e/terraform/install.sh"},
		{Issue: 18, Name: "Terraform apply of the article's system-assigned cluster: aksnet's time answering its ARM requests (ms)",
			Value: source{Pkg: "./e2e/terraform", Bench: "BenchmarkTerraformApply", Metric: "aksnet-ms"}, Goal: "recorded", Pass: atLeast(0), Needs: "e2e/terraform/install.sh"},
		{Issue: 18, Name: "Terraform apply of the article's system-assigned cluster: the provider's HTTP waits, from its debug log (ms)",
			Value: source{Pkg: "./e2e/terraform", Bench: "BenchmarkTerraformApply", Metric: "http-ms"}, Goal: "recorded", Pass: atLeast(0), Needs: "e2e/terraform/install.sh"},
		{Issue: 5, Name: "The article with the real az 2.45: time spent in az commands", Value: source{Script: "bench/az.sh", Key: "az_walkthrough_s"}, Goal: "≤ 30 s", Pass: atMost(30)},
		{Issue: 4, Name: "aksnet CLI, median wall time per command of the article script", Value: source{Script: "bench/cli.sh", Key: "aksnet_median_ms"}, Goal: "≤ 20 ms", Pass: atMost(20)},
		{Issue: 4, Name: "aksnet group list vs a bare Go HTTPS GET of the same list (bench/cmd/floorget), ms", Value: source{Script: "bench/cli.sh", Key: "base_list_ms"},
			Baseline: &source{Script: "bench/cli.sh", Key: "base_floor_ms"}, Goal: "recorded (the floor any Go CLI pays here)", Pass: atLeast(0)},
		{Issue: 4, Name: "Go start-up with crypto/tls and net/http linked, doing nothing (ms)", Value: source{Script: "bench/cli.sh", Key: "base_start_ms"}, Goal: "recorded", Pass: atLeast(0)},
		{Issue: 4, Name: "aksnet vs the real az on the same read-only commands (median ms)", Value: source{Script: "bench/cli.sh", Key: "aksnet_same_median_ms"},
			Baseline: &source{Script: "bench/cli.sh", Key: "az_median_ms"}, Goal: "recorded (az is the baseline)", Pass: atLeast(0)},
	}
}
