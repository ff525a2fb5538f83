package mor

// HashParamsTable exposes the signing table to the contract test.
var HashParamsTable = hashParams
