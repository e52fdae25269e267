#pragma once
// Where each guarded route finds the resource it is authorized against: the path, the query or
// the body, as the upstream API puts names there; and the decoders of the bodies it takes. A
// request whose resource cannot be read is a 400 before anything else happens. A body is decoded
// once (Call::body): the resource read from it is the one the handler acts on.
#include "faasgate/api/router.hpp"

namespace faasgate::api::resources {

ResourceFn function_from_path_and_query();   // /system/function/{name}?namespace=
ResourceFn function_from_query();            // /system/logs?name=&namespace=
ResourceFn function_from_deployment();       // POST/PUT /system/functions {"service","namespace"}
ResourceFn function_from_delete();           // DELETE /system/functions {"functionName","namespace"}
ResourceFn function_from_scale();            // /system/scale-function/{name} {"namespace"}
ResourceFn secret_from_body();               // /system/secrets {"name","namespace"}
ResourceFn namespace_from_query();           // ?namespace= (default openfaas-fn), whole namespace
ResourceFn namespace_from_path_or_body();    // /system/namespace/{name} or {"name"}

// The REST API's bodies (wire/json.hpp), as Route::body.
core::Expected<DecodedBody, std::string> decode_deployment(std::string_view body);
core::Expected<DecodedBody, std::string> decode_delete_function(std::string_view body);
core::Expected<DecodedBody, std::string> decode_scale(std::string_view body);
// A value is not required here: Delete takes none, and Create and Update say so themselves.
core::Expected<DecodedBody, std::string> decode_secret(std::string_view body);
core::Expected<DecodedBody, std::string> decode_namespace(std::string_view body);

}  // namespace faasgate::api::resources
