# Shortcuts for the commands the README documents; CI runs .ci/run.
.PHONY: all build test ci vet fmt demo bench

all: vet test

build:
	# The version names the commit also where the go tool cannot stamp it
	# (a git worktree, -buildvcs=false).
	go build -ldflags "-X main.version=$$(git describe --tags --always --dirty 2>/dev/null || echo devel)" -o regflytt ./cmd/regflytt

test:
	go test ./...

ci:
	bash .ci/run

vet:
	go vet ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')

demo:
	go run ./cmd/regflytt demo

bench:
	go test ./mappings/ -run '^$$' -bench . -benchmem
