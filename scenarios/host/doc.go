// Package host holds the scenario specs of flow HOST (placeholder).
package host
