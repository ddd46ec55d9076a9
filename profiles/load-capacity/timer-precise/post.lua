wrk.method = "POST"
wrk.body = "{\"events\":[{\"key\":\"1\",\"attrs\":{}}]}"
wrk.headers["Content-Type"] = "application/json"
