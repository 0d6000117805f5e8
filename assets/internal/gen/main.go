// Command gen renders Paywatch's tray and application icons into
// assets/icons. Run it from the repository root:
//
//	go run ./assets/internal/gen
package main

import (
	"flag"
	"log"

	"github.com/paywatch/paywatch/assets/internal/draw"
)

func main() {
	dir := flag.String("out", "assets/icons", "output directory")
	flag.Parse()
	if err := draw.WriteAll(*dir); err != nil {
		log.Fatal(err)
	}
}
