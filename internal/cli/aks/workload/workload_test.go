package workload

import "testing"

// The views keep the name and the properties the commands print, from the
// documents the server returns for …/managedClusters/{name}/pods/{pod} and
// …/services/{service}.
func TestViews(t *testing.T) {
	pod, err := aksPodOf([]byte(`{"id":"/p","name":"web-1","type":"t","properties":{"nodeName":"aks-nodepool1-12345678-vmss000001",` +
		`"podIP":"10.244.1.2","hostNetwork":false,"netns":"/run/netns/x","provisioningState":"Succeeded"}}`))
	if want := (aksPodView{Name: "web-1", Node: "aks-nodepool1-12345678-vmss000001", PodIP: "10.244.1.2", Netns: "/run/netns/x"}); err != nil || pod != want {
		t.Errorf("aksPodOf = %+v, %v; want %+v", pod, err, want)
	}
	svc, err := aksServiceOf([]byte(`{"id":"/s","name":"web","type":"t","properties":{"clusterIP":"10.0.0.2","protocol":"TCP",` +
		`"port":80,"targetPort":8080,"selector":"web-","provisioningState":"Succeeded"}}`))
	if want := (aksServiceView{Name: "web", ClusterIP: "10.0.0.2", Protocol: "TCP", Port: 80, TargetPort: 8080, Selector: "web-"}); err != nil || svc != want {
		t.Errorf("aksServiceOf = %+v, %v; want %+v", svc, err, want)
	}
	if _, err := aksServiceOf([]byte(`{"properties":[]}`)); err == nil {
		t.Error("aksServiceOf accepted a document whose properties are not an object")
	}
}
