package plugin

import (
	"context"
	"fmt"
	"io/fs"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/config/crd"
)

// crdCheck validates a new object of one kind as the API server does on create, against
// the kind's generated CRD: its OpenAPI schema (patterns, lengths, ranges, enums) and
// its CEL rules. Rules that read oldSelf judge updates only and are skipped, as on
// create.
type crdCheck struct {
	schema     validation.SchemaValidator
	structural *structuralschema.Structural
	cel        *cel.Validator // nil when the CRD has no CEL rules
}

// crdChecks holds a check per kind of config/crd, built on first use: compiling the CEL
// rules is the costly part, and only export needs them.
var crdChecks = sync.OnceValues(func() (map[string]*crdCheck, error) {
	files, err := fs.Glob(crd.Bases, "bases/*.yaml")
	if err != nil {
		return nil, err
	}
	checks := map[string]*crdCheck{}
	for _, f := range files {
		c, kind, err := readCRDCheck(f)
		if err != nil {
			return nil, fmt.Errorf("the CRD %s built into kubectl-mor: %w", f, err)
		}
		checks[kind] = c
	}
	return checks, nil
})

func readCRDCheck(file string) (*crdCheck, string, error) {
	b, err := crd.Bases.ReadFile(file)
	if err != nil {
		return nil, "", err
	}
	var def apiextv1.CustomResourceDefinition
	if err := yaml.Unmarshal(b, &def); err != nil {
		return nil, "", err
	}
	for _, v := range def.Spec.Versions {
		if v.Name != v1alpha1.GroupVersion.Version || v.Schema == nil {
			continue
		}
		var in apiextensions.CustomResourceValidation // the validators read the internal type
		if err := apiextv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(v.Schema, &in, nil); err != nil {
			return nil, "", err
		}
		schema, _, err := validation.NewSchemaValidator(in.OpenAPIV3Schema)
		if err != nil {
			return nil, "", err
		}
		structural, err := structuralschema.NewStructural(in.OpenAPIV3Schema)
		if err != nil {
			return nil, "", err
		}
		return &crdCheck{schema, structural, cel.NewValidator(structural, true, celconfig.PerCallLimit)}, def.Spec.Names.Kind, nil
	}
	return nil, "", fmt.Errorf("no schema for version %s", v1alpha1.GroupVersion.Version)
}

// refusals lists what kind's CRD refuses in the manifest, one line per violation, in the
// API server's own words (`spec.cut: Invalid value: "0 1": spec.cut in body should
// match '^[0-9A-Za-z+*#]*$'`).
func refusals(ctx context.Context, m manifest) ([]string, error) {
	checks, err := crdChecks()
	if err != nil {
		return nil, err
	}
	c, ok := checks[m.Kind]
	if !ok {
		return nil, fmt.Errorf("no CRD for kind %s built into kubectl-mor", m.Kind)
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&m)
	if err != nil {
		return nil, err
	}
	errs := validation.ValidateCustomResource(nil, obj, c.schema)
	if c.cel != nil {
		celErrs, _ := c.cel.Validate(ctx, nil, c.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out, nil
}
