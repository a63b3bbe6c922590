// bundlecheck runs operator-framework's bundle validators (github.com/operator-framework/api, the
// library behind `operator-sdk bundle validate`) on a bundle directory: the default set that
// `operator-sdk bundle validate` runs, and the optional ones of its `suite=operatorframework`
// that need nothing but the files (OperatorHub v2, good practices, deprecated APIs for the given
// Kubernetes version, standard capabilities and categories). It prints every result as
// "<validator> <LEVEL> <type>: <detail>" and exits 1 on any error, 2 on warnings only.
// Usage: bundlecheck -k8s-version 1.34 DIR
package main

import (
	"flag"
	"fmt"
	"os"

	apimanifests "github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/validation"
)

func main() {
	k8s := flag.String("k8s-version", "1.34", "the Kubernetes version the deprecated-APIs check looks ahead from")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bundlecheck [-k8s-version 1.34] BUNDLE_DIR")
		os.Exit(64)
	}
	bundle, err := apimanifests.GetBundleFromDir(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot load the bundle: %v\n", err)
		os.Exit(1)
	}
	objs := bundle.ObjectsToValidate()
	for _, o := range bundle.Objects {
		objs = append(objs, o)
	}
	optional := map[string]string{"k8s-version": *k8s}
	results := validation.DefaultBundleValidators.WithValidators(validation.ObjectValidator).Validate(objs...)
	results = append(results, validation.OperatorHubV2Validator.Validate(append(objs, optional)...)...)
	results = append(results, validation.GoodPracticesValidator.Validate(objs...)...)
	results = append(results, validation.AlphaDeprecatedAPIsValidator.Validate(append(objs, optional)...)...)
	results = append(results, validation.StandardCapabilitiesValidator.Validate(objs...)...)
	results = append(results, validation.StandardCategoriesValidator.Validate(objs...)...)
	errs, warns := 0, 0
	for _, r := range results {
		for _, e := range r.Errors {
			errs++
			fmt.Printf("%s ERROR %s\n", r.Name, e.Error())
		}
		for _, w := range r.Warnings {
			warns++
			fmt.Printf("%s WARN %s\n", r.Name, w.Error())
		}
	}
	fmt.Printf("bundlecheck: %s: %d errors, %d warnings\n", flag.Arg(0), errs, warns)
	switch {
	case errs > 0:
		os.Exit(1)
	case warns > 0:
		os.Exit(2)
	}
}
