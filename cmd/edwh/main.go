package main

import (
	"database/sql"
	"fmt"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		panic(err)
	}
	var v string
	if err := db.QueryRow("select version()").Scan(&v); err != nil {
		panic(err)
	}
	fmt.Println(v)
	rows, err := db.Query("select extension_name, loaded, installed from duckdb_extensions() where installed")
	if err != nil { panic(err) }
	for rows.Next() { var a string; var b, c bool; rows.Scan(&a,&b,&c); fmt.Println(a,b,c) }
}
