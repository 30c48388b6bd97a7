# Shortcuts for the commands the README documents; CI runs .ci/run.
.PHONY: all build test ci vet fmt demo bench

all: vet test

build:
	go build -o regflytt ./cmd/regflytt

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
