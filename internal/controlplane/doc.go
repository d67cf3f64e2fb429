// Package controlplane assembles aksnet's control plane: the store, the ARM
// front door with every resource provider, the token service, Graph, the
// metadata endpoint, /healthz and /metrics, and the first-start bootstrap of
// the state directory (CA, tenant, subscription, admin principal).
package controlplane
