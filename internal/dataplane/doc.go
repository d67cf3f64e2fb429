// Package dataplane realises kubenet clusters as Linux network namespaces.
//
// The contract is one declarative, idempotent call: Plane.Set(ctx, Desired).
// Desired describes the virtual networks (prefixes, subnets with their
// effective routes and NSGs, NICs), the clusters (nodes, pods, services) and
// nothing about how they are built. Set may be called any number of times
// with the same value and then changes nothing; a new Plane adopts what an
// earlier process left, because every piece of state is read back from the
// kernel (namespace names, links, addresses, routes, rules, nftables tables).
//
// Set works in two steps. compile (pure) turns Desired into a World: for each
// namespace the links, addresses, routes, policy rules, sysctls, one
// nftables table and the workloads (HTTP echo, cluster DNS) it must hold. The
// reconciler then reads each namespace back through the kernel interface,
// diffs it against the World and applies the difference. The same reconciler
// runs over the real kernel (linux.go: vishvananda/netlink handles opened in
// a namespace with NewHandleAt, google/nftables connections opened with
// WithNetNSFd, never shelling out) and over an in-memory fake (fake.go) that
// prints its state as `ip route`-like lines for table tests.
//
// Plane.Update is Set for a control plane that calls it on every change and
// every idle second, at hundreds of nodes: its cost follows the change, not
// the cluster. compile reuses a VNet's fabric namespace, the largest state,
// when a digest of everything it is built from is unchanged (memo.go); each
// namespace's state gets a structural fingerprint (fingerprint.go), and
// only those whose fingerprint differs from the one they last converged to,
// those (re)created, the ends of veths towards them and a rotating
// 1/ResyncSpread share of the rest (the resync that repairs drift) are read
// back and diffed. Namespaces are listed by name alone; a namespace's
// binding is checked when it is next read.
//
// The topology, per VNet and cluster:
//
//   - a fabric namespace per VNet (<prefix>vnet-<hash>) playing Azure's SDN:
//     one veth per NIC, the subnet gateway on every NIC link (so the node's
//     ARP for its gateway is answered) and proxy ARP with proxy_delay 0 for
//     the rest of the subnet, rp_filter 0, and per subnet a routing table
//     chosen by ingress interface holding exactly the longest-prefix-match
//     result of the subnet's effective routes (VirtualAppliance via the next
//     hop's NIC, None as blackhole, Internet to the internet namespace,
//     VnetLocal to the NIC). nftables enforces NSGs (subnet and NIC, default
//     rules included), Azure's IP-forwarding check, and the outbound load
//     balancer's SNAT to the cluster's public IP;
//   - an internet namespace (<prefix>inet) with the test host 203.0.113.10
//     running the echo on port 80;
//   - a namespace per node (<prefix>node-<name>): eth0 with the NIC's IP and
//     a default route via the subnet gateway, a cbr0 bridge with the pod
//     CIDR's .1, ip_forward on, masquerade of pod traffic leaving the
//     cluster's pod CIDR, and ClusterIP services as nftables DNAT;
//   - a namespace per pod (<prefix>pod-<cluster hash>-<name>) with eth0 on
//     cbr0, running the HTTP echo on :8080; host-network pods run theirs in
//     the node's namespace; the cluster-DNS pod also serves cluster.local.
//
// Every namespace and every link aksnet creates outside the fixed names the
// article's model uses inside its own namespaces (eth0, cbr0, lo) starts with
// "aksnet". Nothing is ever created in, or changed in, the host's namespace;
// the only host setting touched is the neighbour table's gc_thresh, raised
// when a large cluster needs it and restored on Close.
package dataplane
