package arm

import "testing"

// TestLocationReadMatchesOnlyItsPath: a LocationRead answers exactly
// /subscriptions/{sub}/providers/{ns}/locations/{loc}/{type}, whatever the
// case; anything longer, shorter, scoped lower or of another type is left
// to the resource routes.
func TestLocationReadMatchesOnlyItsPath(t *testing.T) {
	g := NewRegistry()
	lr := &LocationRead{Namespace: "Microsoft.ContainerService", Type: "orchestrators"}
	g.RegisterLocationRead(lr)
	for _, c := range []struct {
		path string
		want bool
	}{
		{"/subscriptions/s/providers/Microsoft.ContainerService/locations/eastus/orchestrators", true},
		{"/SUBSCRIPTIONS/s/PROVIDERS/microsoft.containerservice/LOCATIONS/East US/ORCHESTRATORS", true},
		{"/subscriptions/s/providers/Microsoft.ContainerService/locations/eastus/kubernetesVersions", false},
		{"/subscriptions/s/providers/Microsoft.ContainerService/locations/eastus/orchestrators/x", false},
		{"/subscriptions/s/providers/Microsoft.ContainerService/locations/eastus", false},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/locations/eastus/orchestrators", false},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/providers/Microsoft.ContainerService/locations/eastus/orchestrators", false},
		{"/providers/Microsoft.ContainerService/locations/eastus/orchestrators", false},
		{"/subscriptions/s/providers/Microsoft.Network/locations/eastus/orchestrators", false},
		{"/subscriptions/s/providers/Microsoft.ContainerService/managedClusters/eastus/orchestrators", false},
	} {
		p, err := ParseID(c.path)
		if err != nil {
			t.Fatalf("ParseID(%s): %v", c.path, err)
		}
		got, ok := g.locationRead(p)
		if ok != c.want || ok && got != lr {
			t.Errorf("%s: matched %v, want %v", c.path, ok, c.want)
		}
	}
	var empty *Registry
	if _, ok := empty.locationRead(ResourceID{Subscription: "s", Scope: "/subscriptions/s", Namespace: "n", Types: []string{"locations", "t"}, Names: []string{"l"}}); ok {
		t.Error("a nil registry matched")
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a location read twice did not panic")
		}
	}()
	g.RegisterLocationRead(&LocationRead{Namespace: "microsoft.containerservice", Type: "Orchestrators"})
}
