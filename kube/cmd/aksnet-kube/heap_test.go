package main

import "testing"

func TestSteadyGCPercent(t *testing.T) {
	for _, tt := range []struct{ nodes, want int }{
		{-1, 25}, // never below the small cluster's goal
		{0, 25},
		{3, 25},
		{4, 26},
		{100, 50},
		{400, 125}, // the article's largest cluster
		{1000, 125},
	} {
		if got := steadyGCPercent(tt.nodes); got != tt.want {
			t.Errorf("steadyGCPercent(%d) = %d, want %d", tt.nodes, got, tt.want)
		}
	}
}
