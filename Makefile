# cmtune: `make run` installs what is missing, builds, and runs the main job; `make test` runs
# the whole suite. Both work as root on a fresh Debian machine.

SWIFT ?= swift
PREFIX ?= /usr/local

# C libraries the package links, and the real peers the tests drive.
BUILD_PACKAGES = pkg-config libpcap-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libexpat1-dev libhiredis-dev
TEST_PACKAGES = iproute2 ethtool procps mosquitto mosquitto-clients python3-paho-mqtt nftables curl openssl chromium python3 tshark tcpdump irqbalance

.PHONY: run test format-check format sanitize deps build release install bench clean

# The main job: the NIC layout, then the diagnosis. diagnose exits 1, 2 or 3 for a warning,
# critical or unknown verdict (the Nagios convention); that is an answer, not a failed run.
run: deps release
	.build/release/cmtune nic
	.build/release/cmtune diagnose; status=$$?; [ $$status -le 3 ]

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) format-check

# The house style (.swift-format); `make format` rewrites the files to it.
FORMATTED = Package.swift Sources Tests
format-check:
	$(SWIFT) format lint --strict --recursive --parallel $(FORMATTED)

format:
	$(SWIFT) format format --in-place --recursive --parallel $(FORMATTED)

# The sanitizers, each in its own build tree: ThreadSanitizer on the threaded code (the sharded
# decode and the CM), AddressSanitizer on the code that parses untrusted bytes (Wire, Capture,
# Decode). Leak checking is off: the test runner's own objects outlive it by design. Timing
# assertions are skipped (matched by test id): a sanitized build is several times slower.
SANITIZE_TIMED = MQTTPropertyTests.*bomb|PcapLiveCaptureTests.*timeoutAndBreak
sanitize: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS=halt_on_error=0:exitcode=66 $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan \
		--filter 'DecodeTests|CMTests' --skip '$(SANITIZE_TIMED)'
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan \
		--filter 'WireTests|CaptureTests|DecodeTests' --skip '$(SANITIZE_TIMED)'

# Installs only the Debian packages that are missing, so a prepared machine pays nothing.
deps:
	@missing=""; for p in $(BUILD_PACKAGES) $(TEST_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then echo "need root to install:$$missing" >&2; exit 1; fi; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

# A static Swift runtime: a few milliseconds less start-up per command (no dynamic linking of
# the Swift libraries), which is a sixth of `cmtune irq` on a 256-CPU host.
release: deps
	$(SWIFT) build -c release --product cmtune --static-swift-stdlib

install: release
	install -m 0755 .build/release/cmtune $(PREFIX)/bin/cmtune

bench: deps
	bench/nic-irq.sh

clean:
	rm -rf .build .build-tsan .build-asan
