package controlplane

import (
	"net/netip"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{DataDir: "/d", SecurePort: 6443, ServiceCIDR: netip.MustParsePrefix("10.0.0.0/16"), ClusterName: "c"}
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{"valid", func(*Config) {}, ""},
		{"no data dir", func(c *Config) { c.DataDir = "" }, "data dir"},
		{"port 0", func(c *Config) { c.SecurePort = 0 }, "secure port 0"},
		{"port too big", func(c *Config) { c.SecurePort = 70000 }, "secure port 70000"},
		{"host bits", func(c *Config) { c.ServiceCIDR = netip.MustParsePrefix("10.0.0.5/16") }, "network is 10.0.0.0/16"},
		{"too small", func(c *Config) { c.ServiceCIDR = netip.MustParsePrefix("10.0.0.0/30") }, "/28 or larger"},
		{"ipv6", func(c *Config) { c.ServiceCIDR = netip.MustParsePrefix("fd00::/108") }, "IPv4"},
		{"no name", func(c *Config) { c.ClusterName = "" }, "cluster name"},
		{"dns IP", func(c *Config) { c.DNSServiceIP = netip.MustParseAddr("10.0.0.10") }, ""},
		{"dns IP outside", func(c *Config) { c.DNSServiceIP = netip.MustParseAddr("10.1.0.10") }, "not in the service CIDR 10.0.0.0/16"},
		{"dns IP is kubernetes'", func(c *Config) { c.DNSServiceIP = netip.MustParseAddr("10.0.0.1") }, "default/kubernetes' 10.0.0.1"},
		{"dns IP is the network", func(c *Config) { c.DNSServiceIP = netip.MustParseAddr("10.0.0.0") }, "network address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestKubernetesServiceIP(t *testing.T) {
	// default/kubernetes takes the first address of the service range: 10.0.0.1 for AKS's default
	// 10.0.0.0/16 (the acceptance check), 172.16.0.1 for 172.16.0.0/24.
	for cidr, want := range map[string]string{"10.0.0.0/16": "10.0.0.1", "172.16.0.0/24": "172.16.0.1"} {
		c := Config{ServiceCIDR: netip.MustParsePrefix(cidr)}
		if got := c.KubernetesServiceIP().String(); got != want {
			t.Errorf("%s: %s, want %s", cidr, got, want)
		}
	}
}
