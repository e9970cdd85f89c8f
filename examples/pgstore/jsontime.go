package pgstore

import (
	"reflect"
	"sync"
	"time"
)

// jsonTimes returns v with every time.Time that encoding/json would write
// as another instant, or not at all, replaced by the same instant in UTC:
// RFC 3339 spells zone offsets in whole minutes (a clock in a zone's local
// mean time, -4:56:02, would lose two seconds), under a day, and years 0
// to 9999 in the time's own zone. The memory stores keep such times as
// given; in UTC the document keeps their instant. v itself is left alone:
// the parts holding a changed time are copied.
func jsonTimes(v any) any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || !mayHoldTime(rv.Type()) {
		return v
	}
	nv, changed := fixTimes(rv, 0)
	if !changed {
		return v
	}
	return nv.Interface()
}

var timeType = reflect.TypeFor[time.Time]()

// jsonKeepsTime reports whether encoding/json writes t as the same instant.
func jsonKeepsTime(t time.Time) bool {
	_, off := t.Zone()
	y := t.Year()
	return off%60 == 0 && off > -24*3600 && off < 24*3600 && y >= 0 && y <= 9999
}

// maxDepth bounds the walk (aggregates are shallow; a cycle is not).
const maxDepth = 64

func fixTimes(v reflect.Value, depth int) (reflect.Value, bool) {
	if depth > maxDepth || !mayHoldTime(v.Type()) {
		return v, false
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			var t time.Time
			if v.CanAddr() {
				t = *v.Addr().Interface().(*time.Time) // no copy to the heap
			} else {
				t = v.Interface().(time.Time)
			}
			if jsonKeepsTime(t) || !jsonKeepsTime(t.UTC()) {
				return v, false
			}
			return reflect.ValueOf(t.UTC()), true
		}
		var out reflect.Value
		for _, i := range timeFields(v.Type()) {
			nf, changed := fixTimes(v.Field(i), depth+1)
			if !changed {
				continue
			}
			if !out.IsValid() {
				out = reflect.New(v.Type()).Elem()
				out.Set(v)
			}
			out.Field(i).Set(nf)
		}
		if out.IsValid() {
			return out, true
		}
	case reflect.Pointer:
		if v.IsNil() {
			return v, false
		}
		ne, changed := fixTimes(v.Elem(), depth+1)
		if changed {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(ne)
			return p, true
		}
	case reflect.Interface:
		if v.IsNil() {
			return v, false
		}
		ne, changed := fixTimes(v.Elem(), depth+1)
		if changed {
			out := reflect.New(v.Type()).Elem()
			out.Set(ne)
			return out, true
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() || !mayHoldTime(v.Type().Elem()) {
			return v, false
		}
		var out reflect.Value
		for i := range v.Len() {
			ne, changed := fixTimes(v.Index(i), depth+1)
			if !changed {
				continue
			}
			if !out.IsValid() {
				if v.Kind() == reflect.Slice {
					out = reflect.MakeSlice(v.Type(), v.Len(), v.Len())
					reflect.Copy(out, v)
				} else {
					out = reflect.New(v.Type()).Elem()
					out.Set(v)
				}
			}
			out.Index(i).Set(ne)
		}
		if out.IsValid() {
			return out, true
		}
	case reflect.Map:
		if v.IsNil() || !mayHoldTime(v.Type().Elem()) {
			return v, false
		}
		var out reflect.Value
		it := v.MapRange()
		for it.Next() {
			ne, changed := fixTimes(it.Value(), depth+1)
			if !changed {
				continue
			}
			if !out.IsValid() {
				out = reflect.MakeMapWithSize(v.Type(), v.Len())
				all := v.MapRange()
				for all.Next() {
					out.SetMapIndex(all.Key(), all.Value())
				}
			}
			out.SetMapIndex(it.Key(), ne)
		}
		if out.IsValid() {
			return out, true
		}
	}
	return v, false
}

// fieldPlans caches timeFields per struct type.
var fieldPlans sync.Map // reflect.Type -> []int

// timeFields returns the indexes of the exported fields of struct type t
// (encoding/json writes no other) that may hold a time.
func timeFields(t reflect.Type) []int {
	if p, ok := fieldPlans.Load(t); ok {
		return p.([]int)
	}
	var p []int
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && mayHoldTime(f.Type) {
			p = append(p, i)
		}
	}
	fieldPlans.Store(t, p)
	return p
}

// holdsTime caches mayHoldTime per type.
var holdsTime sync.Map // reflect.Type -> bool

// mayHoldTime reports whether a value of type t may hold a time.Time that
// encoding/json writes: through exported fields, elements, map values or
// an interface.
func mayHoldTime(t reflect.Type) bool {
	if b, ok := holdsTime.Load(t); ok {
		return b.(bool)
	}
	b := typeHoldsTime(t, map[reflect.Type]bool{})
	holdsTime.Store(t, b)
	return b
}

func typeHoldsTime(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == timeType {
		return true
	}
	if seen[t] {
		return false // already being looked at, higher up
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return typeHoldsTime(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && typeHoldsTime(f.Type, seen) {
				return true
			}
		}
	}
	return false
}
