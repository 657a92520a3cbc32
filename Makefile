# Shortcuts; the scripts are the source of truth (a fresh machine may not have make).
.PHONY: demo test bench fuzz proto clean
demo:
	scripts/demo.sh
test:
	scripts/test.sh
bench:
	scripts/bench.sh
fuzz:
	scripts/fuzz.sh
proto:
	scripts/generate-proto.sh
clean:
	rm -rf .build .build-fuzz .demo .fuzz-corpus
