# multinet. `make demo` and `make test` do all their own set-up.
MVN ?= mvn -B
# Tests never run in the machine's own network namespace: they get one of their own.
TEST_NETNS ?= multinet-test

.PHONY: build image test demo demo-mock bench crds bundle deploy clean native deps help cluster-up cluster-down e2e

help:
	@echo "make demo    the seed's two-network scenario on a real two-node Kubernetes built here (root; installs what it needs)"
	@echo "make demo-mock  the same scenario in seconds, with the API server, kubelet and flanneld played (fabric8 mock)"
	@echo "make build   compile, build the application and the native CNI shim (target/multinet)"
	@echo "make image   multinet's image as a docker-archive, target/multinet-image.tar (no Docker engine needed)"
	@echo "make test    install what is missing (apt), run the unit and integration tiers inside network namespace $(TEST_NETNS), then the e2e tier"
	@echo "make e2e     the end-to-end tier (*E2E) on a real two-node cluster: cluster-up, tests, cluster-down"
	@echo "make cluster-up    build (cached) and start the real two-node Kubernetes of e2e/cluster; docs/testing.md"
	@echo "make cluster-down  stop it and remove everything it made, checking that nothing is left"
	@echo "make bench   delegator vs direct plugin calls, throughput, daemon memory, operator scale, against Multus (docs/benchmarks.md)"
	@echo "make crds    regenerate crds/ from the Java API model"
	@echo "make bundle  regenerate olm-bundle/ and the plain manifests target/deploy/multinet.yaml"
	@echo "make deploy  kubectl apply the plain manifests (clusters without OLM)"
	@echo "make native  Quarkus native build (needs GraalVM or Mandrel, not available on this machine)"
	@echo "make clean   remove build output"

demo:
	bash demo/cluster

demo-mock:
	bash demo/mock

bench:
	bash bench/run

build:
	$(MVN) package -DskipTests

deps:
	bash .ci/install-deps

test: deps
	bash .ci/test-in-netns $(TEST_NETNS)
	bash e2e/run

e2e:
	bash e2e/run

# multinet's image without a Docker engine: target/quarkus-app on a jlink'ed runtime plus the shim,
# as a docker-archive (docs/install.md says how to push it). The E2E tier runs this very image.
image: build
	bash e2e/cluster/images/build.sh multinet target/multinet-image.tar

cluster-up:
	bash e2e/cluster/install-deps
	$(MVN) -q package -DskipTests
	bash e2e/cluster/up.sh

cluster-down:
	bash e2e/cluster/down.sh

crds: build
	@for f in target/kubernetes/*.*-v1.yml; do \
	  base=$$(basename $$f -v1.yml); cp $$f crds/$$base.yaml; echo "crds/$$base.yaml"; done

# The Operator SDK's bundle generator writes target/bundle/multinet during the build; BundleFinisher
# is the one post-processing step (docs/install.md says what it adds).
bundle: crds
	$(MVN) -q exec:exec@bundle
	@echo "olm-bundle/ and target/deploy/multinet.yaml written"

deploy: bundle
	kubectl apply -f target/deploy/network-attachment-definitions.k8s.cni.cncf.io.yaml -f target/deploy/multinet.yaml

# A native executable needs GraalVM or Mandrel; this machine has neither, so this target has never
# run here. It is kept so that a machine that has one builds the same way.
native:
	$(MVN) package -DskipTests -Dquarkus.native.enabled=true

clean:
	$(MVN) -q clean
