# Convenience targets; the README's two commands need none of them.
.PHONY: build test bench bench-short lint terraform-e2e az291

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

# Terraform end to end: builds Terraform 1.5.7 and azurerm from the Go module
# proxy into ~/.cache/aksnet/terraform (first time about 12 minutes and 4.7 GB
# of memory on 2 cores; cached afterwards) and aksnet-kube, then drives
# aksnetd through the five configurations of e2e/terraform/testdata.
terraform-e2e:
	e2e/terraform/install.sh
	$(MAKE) -C kube build
	AKSNET_TERRAFORM=1 go test -count=1 -timeout 60m -v ./e2e/terraform

# Debian sid's azure-cli 2.91.0 in a venv (e2e/az291/install.sh: cached in
# ~/.cache/aksnet/az291, the system untouched), then the article and az's own
# endpoint discovery with it; the tests fail instead of skipping if it is missing.
az291:
	e2e/az291/install.sh >/dev/null
	AKSNET_REQUIRE_AZ291=1 go test -count=1 -timeout 30m -run 'Az291|AzArticle291' -v ./e2e
