package output

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/jmespath/go-jmespath"
)

// QueryReference is the recommendation az prints under --query errors.
const QueryReference = "To learn more about --query, please visit: 'https://docs.microsoft.com/cli/azure/query-azure-cli'"

// CompileQuery checks a --query value the way az's argument parser does, so
// that a bad query fails before the command runs. The error is az's: exit
// code 2 and "argument --query: invalid jmespath_type value: '<query>'".
func CompileQuery(expr string) error {
	_, err := compileQuery(expr)
	return err
}

type query struct {
	jp *jmespath.JMESPath
	// hashes are the key lists of the expression's multi-select hashes, in
	// the order the expression gives them.
	hashes [][]string
	// calls is set when the expression calls functions, which can make
	// numbers the input does not have.
	calls bool
}

func compileQuery(expr string) (q *query, err error) {
	jp, err := safeCompile(expr)
	if err != nil || expr == "" {
		return nil, &Error{
			Message:         "argument --query: invalid jmespath_type value: " + pyReprString(expr),
			Recommendations: []string{QueryReference},
			Code:            2,
		}
	}
	q = &query{jp: jp}
	if ast, err := jmespath.NewParser().Parse(expr); err == nil {
		q.walk(reflect.ValueOf(ast))
	}
	return q, nil
}

// safeCompile compiles expr, turning a panic in the parser into an error.
func safeCompile(expr string) (jp *jmespath.JMESPath, err error) {
	defer func() {
		if r := recover(); r != nil {
			jp, err = nil, fmt.Errorf("jmespath: %v", r)
		}
	}()
	return jmespath.Compile(expr)
}

// walk collects the keys of every multi-select hash ({a: x, b: y}) in a
// go-jmespath AST, and notes function calls. The AST's fields are
// unexported, so it is read through reflection; if the layout ever changes
// this finds nothing and query results fall back to sorted keys.
func (q *query) walk(node reflect.Value) {
	if node.Kind() != reflect.Struct {
		return
	}
	typ, children := node.FieldByName("nodeType"), node.FieldByName("children")
	if !typ.IsValid() || !children.IsValid() || children.Kind() != reflect.Slice || !typ.CanInt() {
		return
	}
	switch typ.Int() {
	case int64(jmespath.ASTMultiSelectHash):
		var keys []string
		for i := 0; i < children.Len(); i++ {
			v := children.Index(i).FieldByName("value")
			if v.IsValid() && v.Kind() == reflect.Interface && v.Elem().Kind() == reflect.String {
				keys = append(keys, v.Elem().String())
			}
		}
		q.hashes = append(q.hashes, keys)
	case int64(jmespath.ASTFunctionExpression):
		q.calls = true
	}
	for i := 0; i < children.Len(); i++ {
		q.walk(children.Index(i))
	}
}

// search runs the query on an ordered value and returns an ordered value.
//
// go-jmespath works on map[string]any and float64. Objects and lists that
// the query passes through unchanged keep their identity in its result, so
// they are mapped back to the originals (with their key order and number
// text). New objects come from multi-select hashes and take the hash's key
// order, as knack's OrderedDict does.
func (q *query) search(v any) (any, error) {
	c := &jpConverter{maps: map[uintptr]*Object{}, slices: map[sliceKey][]any{},
		numbers: map[float64]map[string]bool{}, keepFloats: !q.calls}
	out, err := safeSearch(q.jp, c.to(v))
	if err != nil {
		return nil, &Error{
			Message:         "Invalid jmespath query supplied for `--query`: " + err.Error(),
			Recommendations: []string{QueryReference},
			Code:            1,
		}
	}
	return c.from(out, q.hashes), nil
}

// safeSearch runs jp, turning a panic in go-jmespath into an error.
func safeSearch(jp *jmespath.JMESPath, data any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return jp.Search(data)
}

type sliceKey struct {
	ptr uintptr
	n   int
}

type jpConverter struct {
	maps   map[uintptr]*Object
	slices map[sliceKey][]any
	// numbers maps each number of the input to the Python forms it had
	// ("5", "5.0", "123456789012345678901"), so that a number the query
	// hands back as float64 can be printed as it was.
	numbers map[float64]map[string]bool
	// keepFloats allows giving back a float form; off when functions such
	// as length() may have made the number.
	keepFloats bool
}

func (c *jpConverter) to(v any) any {
	switch v := v.(type) {
	case *Object:
		m := make(map[string]any, len(v.keys))
		for _, k := range v.keys {
			m[k] = c.to(v.values[k])
		}
		c.maps[reflect.ValueOf(m).Pointer()] = v
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = c.to(e)
		}
		if len(l) > 0 {
			c.slices[sliceKey{reflect.ValueOf(l).Pointer(), len(l)}] = v
		}
		return l
	case json.Number:
		p := parseNumber(v)
		f, form := p.f, "float:"+pyFloatRepr(p.f)
		if !p.isFloat {
			var err error
			if f, err = strconv.ParseFloat(p.text, 64); err != nil {
				f = math.Inf(1)
				if p.text[0] == '-' {
					f = math.Inf(-1)
				}
			}
			form = p.text
		}
		if c.numbers[f] == nil {
			c.numbers[f] = map[string]bool{}
		}
		c.numbers[f][form] = true
		return f
	}
	return v
}

// number turns a float64 from go-jmespath back into a json.Number: the
// input's own form when only one input number has this value, otherwise an
// int when the value is integral.
func (c *jpConverter) number(f float64) json.Number {
	if forms := c.numbers[f]; len(forms) == 1 {
		for form := range forms {
			if repr, ok := strings.CutPrefix(form, "float:"); ok {
				if !c.keepFloats {
					break
				}
				return json.Number(repr) // "1.0", "1e+16", "inf": read back as floats
			}
			return json.Number(form)
		}
	}
	return numberFromFloat(f)
}

func (c *jpConverter) from(v any, hashes [][]string) any {
	switch v := v.(type) {
	case map[string]any:
		if o, ok := c.maps[reflect.ValueOf(v).Pointer()]; ok {
			return o
		}
		o := NewObject()
		keys := matchHash(v, hashes)
		if keys != nil {
			o.ordered = true
		} else {
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
		}
		for _, k := range keys {
			o.Set(k, c.from(v[k], hashes))
		}
		return o
	case []any:
		if len(v) > 0 {
			if l, ok := c.slices[sliceKey{reflect.ValueOf(v).Pointer(), len(v)}]; ok {
				return l
			}
		}
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = c.from(e, hashes)
		}
		return l
	case float64:
		return c.number(v)
	case int:
		return json.Number(strconv.Itoa(v))
	case nil, bool, string:
		return v
	}
	// Anything else go-jmespath might hand back is turned into JSON.
	n, err := normalize(v)
	if err != nil {
		return nil
	}
	return n
}

// matchHash returns the key order of the multi-select hash that built m.
func matchHash(m map[string]any, hashes [][]string) []string {
	for _, h := range hashes {
		if len(h) != len(m) {
			continue
		}
		match := true
		for _, k := range h {
			if _, ok := m[k]; !ok {
				match = false
				break
			}
		}
		if match {
			return append([]string(nil), h...)
		}
	}
	return nil
}
