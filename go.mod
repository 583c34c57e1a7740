module github.com/instream/instream

go 1.25.0

require github.com/tidwall/btree v1.8.2
