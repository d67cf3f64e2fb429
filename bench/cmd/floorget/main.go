// Command floorget is bench/cli.sh's floor: the least a Go program must do
// for one CLI command, with the libraries an HTTPS client needs and nothing
// of aksnet's CLI (armconn links no more than those libraries). It reads the CA and the aksnet CLI's cached token from the
// state dir, makes one TLS connection to the server (X25519 on loopback,
// as the aksnet CLI does) and GETs path, writing the body to stdout.
//
//	floorget -endpoint URL -state-dir DIR PATH
//	floorget -start    (return at once: start-up with the same libraries)
//
// The difference between an aksnet command and floorget on the same machine
// is what aksnet's own work costs: its command tree, credentials and
// az-shaped output.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/aksnet/aksnet/bench/cmd/internal/armconn"
)

func main() {
	endpoint := flag.String("endpoint", os.Getenv("AKSNET_ENDPOINT"), "server URL")
	stateDir := flag.String("state-dir", os.Getenv("AKSNET_STATE_DIR"), "aksnet state dir")
	start := flag.Bool("start", false, "exit at once")
	flag.Parse()
	if *start {
		return
	}
	if err := get(*endpoint, *stateDir, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "floorget:", err)
		os.Exit(1)
	}
}

func get(endpoint, stateDir, path string) error {
	var tok struct {
		Token string `json:"accessToken"`
	}
	raw, err := os.ReadFile(filepath.Join(stateDir, "cli", "token.json"))
	if err != nil {
		return fmt.Errorf("run an aksnet command first to cache a token: %w", err)
	}
	if err := json.Unmarshal(raw, &tok); err != nil {
		return err
	}
	conn, err := armconn.Dial(endpoint, stateDir)
	if err != nil {
		return err
	}
	defer conn.Close()
	req, err := http.NewRequest(http.MethodGet, endpoint+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	if err := req.Write(conn); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	_, err = io.Copy(os.Stdout, resp.Body)
	return err
}
