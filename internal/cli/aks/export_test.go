package aks

// IsSSHRSAPublicKey lets the command tests check the keys aks create
// writes.
var IsSSHRSAPublicKey = aksIsSSHRSAPublicKey
