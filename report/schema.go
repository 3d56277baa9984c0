package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed schema.json
var schemaJSON []byte

// SchemaURL is the $id of schema.json.
const SchemaURL = "https://github.com/imapscope/imapscope/report/schema.json"

// Schema returns a copy of the JSON Schema (draft 2020-12) of the JSON
// document; its $defs/jsonlLine describes one JSON Lines record.
func Schema() []byte {
	return bytes.Clone(schemaJSON)
}

var (
	schemaOnce sync.Once
	docSchema  *jsonschema.Schema
	lineSchema *jsonschema.Schema
	schemaErr  error
)

// compileSchemas compiles the embedded schema once; formats (date-time) are asserted.
func compileSchemas() error {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			schemaErr = fmt.Errorf("report: schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(SchemaURL, doc); err != nil {
			schemaErr = fmt.Errorf("report: schema: %w", err)
			return
		}
		if docSchema, err = c.Compile(SchemaURL); err != nil {
			schemaErr = fmt.Errorf("report: schema: %w", err)
			return
		}
		if lineSchema, err = c.Compile(SchemaURL + "#/$defs/jsonlLine"); err != nil {
			schemaErr = fmt.Errorf("report: schema: %w", err)
		}
	})
	return schemaErr
}

// ValidateJSON checks that doc is one JSON document valid against the report schema.
func ValidateJSON(doc []byte) error {
	return validate(doc, func() *jsonschema.Schema { return docSchema })
}

// ValidateJSONLLine checks that line (one JSON Lines record, with or without
// its newline) is a valid session or transaction record.
func ValidateJSONLLine(line []byte) error {
	return validate(line, func() *jsonschema.Schema { return lineSchema })
}

// validate parses data and validates it against the schema get returns.
func validate(data []byte, get func() *jsonschema.Schema) error {
	if err := compileSchemas(); err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("report: validate: %w", err)
	}
	if err := get().Validate(v); err != nil {
		return fmt.Errorf("report: validate: %w", err)
	}
	return nil
}
