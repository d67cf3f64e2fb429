package aks

import "testing"

func TestAKSIsSSHRSAPublicKey(t *testing.T) {
	if aksIsSSHRSAPublicKey("ssh-rsa notbase64") || !aksIsSSHRSAPublicKey("ssh-rsa AAAAB3NzaC1yc2E=") {
		t.Errorf("aksIsSSHRSAPublicKey")
	}
}
