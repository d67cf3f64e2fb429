// Command cmdtime runs a command and appends its wall time to a log, for
// bench/cli.sh: the time covers the whole child process (fork, exec, run,
// exit), not the shell that starts cmdtime.
//
//	cmdtime -log FILE -- COMMAND [ARGS...]
//
// Each log line is the wall time in microseconds, a tab, the exit code, a
// tab, the command's arguments up to the first flag (the command name, e.g.
// "aks create"), a tab, and the CPU time (user + system) the child used, in
// microseconds: on a busy machine the CPU time shows what the command costs
// when the wall time mostly shows waiting for a core. cmdtime passes stdin, stdout and stderr through
// and exits with the child's exit code.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

func main() {
	logPath := flag.String("log", "", "append timings to this file")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: cmdtime -log FILE -- COMMAND [ARGS...]")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, "cmdtime:", err)
		os.Exit(127)
	}
	if *logPath != "" {
		var name []string
		for _, a := range args[1:] {
			if strings.HasPrefix(a, "-") {
				break
			}
			name = append(name, a)
		}
		f, err := os.OpenFile(*logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			cpu := time.Duration(0)
			if cmd.ProcessState != nil {
				cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			fmt.Fprintf(f, "%d\t%d\t%s\t%d\n", elapsed.Microseconds(), code, strings.Join(name, " "), cpu.Microseconds())
			_ = f.Close()
		}
	}
	os.Exit(code)
}
