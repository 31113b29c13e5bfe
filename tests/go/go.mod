module usermemory.tests/go

go 1.19
