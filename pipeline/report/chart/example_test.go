package chart_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/edwh/edwh/pipeline/report/chart"
)

func ExampleDotPlot() {
	p := &chart.DotPlot{
		Title:          "Progress 8, all local authorities",
		Unit:           "Progress 8 score",
		HigherIsBetter: true,
		Points: []chart.Point{
			{Label: "Northshire", Value: new(-0.31)},
			{Label: "Eastshire", Value: new(0.05), Group: "Statistical neighbours"},
			{Label: "Westshire", Value: new(0.27), Group: "Statistical neighbours"},
			{Label: "Ourshire", Value: new(0.12), Highlight: true},
			{Label: "Southshire", Value: nil}, // suppressed
		},
	}
	svg, err := p.SVG()
	if err != nil {
		log.Fatal(err)
	}
	// svg is a complete <svg> element, ready to be put into an HTML page
	// (with html/template, wrap it in template.HTML). Its <desc> summarises
	// the chart for screen readers:
	_, rest, _ := strings.Cut(svg, "<desc>")
	desc, _, _ := strings.Cut(rest, "</desc>")
	fmt.Println(desc)
	// Output:
	// Dot plot of Progress 8 score for 4 plotted points. Values range from -0.31 to 0.27, median 0.08. Higher is better. Highlighted: Ourshire, 0.12, rank 2 of 4 (1 is best). Statistical neighbours: 2 points, from 0.05 to 0.27. Suppressed, not plotted: 1 point.
}
