# Convenience targets; the README's two commands need none of them.
.PHONY: build test bench bench-short lint

# The CLI and the server; aksnet serve runs the aksnetd next to it. Static
# (no cgo) binaries start faster: no dynamic loader, no libc threads.
build:
	CGO_ENABLED=0 go build -o bin/ ./cmd/aksnet ./cmd/aksnetd

test:
	go test -timeout 30m ./...

# Every benchmark with its same-run baseline; rewrites docs/performance.md.
bench:
	go run ./bench/cmd/benchreport

# CI's short form: every benchmark runs once, nothing is judged.
bench-short:
	go run ./bench/cmd/benchreport -short

lint:
	gofmt -l $$(git ls-files '*.go')
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
