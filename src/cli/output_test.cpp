#include "output.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <sstream>

#include "codecs.hpp"
#include "faasgate/wire/json.hpp"

namespace faasgate::cli {
namespace {

namespace json = boost::json;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(Table, ColumnsAreAligned) {
  Table t({"NAME", "NAMESPACE", "IMAGE", "INVOCATIONS", "REPLICAS", "AVAILABLE"});
  t.add({"hello", "openfaas-fn", "ghcr.io/me/hello:1.0", "12", "1", "1"});
  t.add({"a-much-longer-name", "dev", "", "0", "3", "0"});
  std::ostringstream out;
  t.write(out);
  const auto l = lines(out.str());
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0], "NAME                 NAMESPACE     IMAGE                  INVOCATIONS   REPLICAS   AVAILABLE");
  EXPECT_EQ(l[1], "hello                openfaas-fn   ghcr.io/me/hello:1.0   12            1          1");
  EXPECT_EQ(l[2], "a-much-longer-name   dev                                  0             3          0");
  // Every column starts at the same offset on every line.
  for (const auto* header : {"NAMESPACE", "IMAGE", "INVOCATIONS", "REPLICAS", "AVAILABLE"}) {
    const auto at = l[0].find(header);
    EXPECT_NE(l[1][at - 1], 'x');
    EXPECT_EQ(l[1][at - 1], ' ');
    EXPECT_NE(l[1][at], ' ') << header;
  }
}

TEST(Table, ControlCharactersFromTheGatewayCannotReachTheTerminal) {
  Table t({"NAME", "IMAGE"});
  t.add({"x", "evil\x1b]0;pwned\x07\nsecond line"});
  std::ostringstream out;
  t.write(out);
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
  EXPECT_EQ(lines(out.str()).size(), 2u);
}

TEST(Table, NoRowsIsJustTheHeader) {
  Table t({"NAME", "NAMESPACE"});
  std::ostringstream out;
  t.write(out);
  EXPECT_EQ(out.str(), "NAME   NAMESPACE\n");
}

TEST(Fields, KeysAreAligned) {
  Fields f;
  f.add("name", "hello");
  f.add("available replicas", "1");
  f.add("labels", "");
  std::ostringstream out;
  f.write(out);
  EXPECT_EQ(out.str(), "name:               hello\navailable replicas: 1\nlabels:\n");
}

model::FunctionStatus status() {
  model::FunctionStatus s;
  s.deployment.service = "hello";
  s.deployment.namespace_ = "dev";
  s.deployment.image = "img";
  s.deployment.env_process = "cat";
  s.deployment.env_vars = {{"A", "true"}, {"B", "0755"}, {"C", ""}};
  s.deployment.labels = {{"team", "a"}};
  s.invocation_count = 7;
  s.available_replicas = 1;
  s.created_at = core::from_unix(1'800'000'000);
  return s;
}

TEST(Json, IsOneDocumentThatParsesBack) {
  json::array list{wire::to_json(status()), wire::to_json(status())};
  std::ostringstream out;
  write_json(out, list);
  auto back = json::parse(out.str());
  EXPECT_EQ(back, json::value(list));
  EXPECT_EQ(out.str().back(), '\n');
}

TEST(Json, EmptyContainersAndScalars) {
  json::value v = json::object{{"a", json::array{}}, {"b", json::object{}}, {"c", nullptr}, {"d", 1.5}, {"e", "x\"y"}};
  std::ostringstream out;
  write_json(out, v);
  EXPECT_EQ(json::parse(out.str()), v);
}

// YAML read back as JSON, the way a script would: scalars typed by what they look like.
json::value yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : n) o[kv.first.Scalar()] = yaml_to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const auto& item : n) a.push_back(yaml_to_json(item));
      return a;
    }
    case YAML::NodeType::Scalar: {
      if (n.Tag() == "!") return json::string(n.Scalar());  // quoted: a string, whatever it looks like
      const auto& s = n.Scalar();
      if (s == "true") return true;
      if (s == "false") return false;
      try {
        std::size_t used = 0;
        long long i = std::stoll(s, &used);
        if (used == s.size()) return i;
      } catch (...) {
      }
      return json::string(s);
    }
    default: return nullptr;
  }
}

TEST(Yaml, ParsesBackToTheSameDocument) {
  json::value doc = json::array{wire::to_json(status()), to_json(sdk::Info{"faasgate", "embedded", "0.1", "0.1.0",
                                                                           "abc123", "first: commit", "x86_64"})};
  std::ostringstream out;
  write_yaml(out, doc);
  auto back = yaml_to_json(YAML::Load(out.str()));
  EXPECT_EQ(back, doc) << out.str();
}

TEST(Yaml, AmbiguousStringsAreQuoted) {
  json::value doc = json::object{{"a", "true"}, {"b", "0755"}, {"c", ""}, {"d", "null"}, {"e", "2026-01-01"}, {"f", "plain"}};
  std::ostringstream out;
  write_yaml(out, doc);
  const auto y = YAML::Load(out.str());
  for (const auto* key : {"a", "b", "c", "d", "e"}) EXPECT_EQ(y[key].Tag(), "!") << key << "\n" << out.str();
  EXPECT_EQ(y["f"].Scalar(), "plain");
}

TEST(Codecs, InfoHasTheApiShape) {
  auto o = to_json(sdk::Info{"faasgate", "embedded", "0.1", "0.1.0", "abc", "msg", "arm64"});
  EXPECT_EQ(json::serialize(o),
            R"({"provider":{"provider":"faasgate","orchestration":"embedded","version":"0.1"},)"
            R"("version":{"commit_message":"msg","sha":"abc","release":"0.1.0"},"arch":"arm64"})");
}

TEST(Codecs, SecretsAreNamesOnly) {
  auto a = to_json(std::vector<model::SecretRef>{{"db", "dev"}});
  EXPECT_EQ(json::serialize(a), R"([{"name":"db","namespace":"dev"}])");
}

}  // namespace
}  // namespace faasgate::cli
