//go:build ignore

// blur writes a copy of a PNG box-blurred over a radius larger than a QR
// module and with its contrast crushed: no decoder can recover the code.
//
//	go run blur.go in.png out.png
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: go run blur.go in.png out.png")
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	src, err := png.Decode(f)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	b := src.Bounds()
	const r = 9 // pixels; a module is 6
	out := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var sum, n int
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					p := image.Pt(x+dx, y+dy)
					if !p.In(b) {
						continue
					}
					sum += int(color.GrayModel.Convert(src.At(p.X, p.Y)).(color.Gray).Y)
					n++
				}
			}
			// Crush to a narrow grey band: 112..143.
			out.SetGray(x, y, color.Gray{Y: uint8(112 + sum/n/8)})
		}
	}
	w, err := os.Create(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(w, out); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
}
