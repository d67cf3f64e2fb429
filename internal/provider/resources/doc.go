// Package resources is the Microsoft.Resources provider: subscriptions,
// resource groups and the generic resource listing of a group.
package resources
