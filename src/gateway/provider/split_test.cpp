#include <gtest/gtest.h>

#include "faasgate/provider/runtime.hpp"

namespace faasgate::provider {
namespace {

using Words = std::vector<std::string>;

Words split(std::string_view s) {
  auto r = split_command(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r.value_or(Words{});
}

TEST(SplitCommand, Blanks) {
  EXPECT_EQ(split("cat"), Words({"cat"}));
  EXPECT_EQ(split("  python3\thandler.py \n --flag  "), Words({"python3", "handler.py", "--flag"}));
}

TEST(SplitCommand, SingleQuotesAreLiteral) {
  EXPECT_EQ(split("echo 'a b'"), Words({"echo", "a b"}));
  EXPECT_EQ(split(R"('a\b "c" $d')"), Words({R"(a\b "c" $d)"}));
}

TEST(SplitCommand, DoubleQuotesEscapeOnlyFourCharacters) {
  EXPECT_EQ(split(R"("a\"b\\c\$d\`e")"), Words({"a\"b\\c$d`e"}));
  // Before any other character the backslash stays.
  EXPECT_EQ(split(R"("a\nb\'c")"), Words({R"(a\nb\'c)"}));
  EXPECT_EQ(split(R"("it's")"), Words({"it's"}));
}

TEST(SplitCommand, BackslashOutsideQuotes) {
  EXPECT_EQ(split(R"(a\ b c)"), Words({"a b", "c"}));
  EXPECT_EQ(split(R"(\'\"\\)"), Words({"'\"\\"}));
  EXPECT_EQ(split("a\\\nb"), Words({"ab"}));  // line continuation
  EXPECT_EQ(split("\"a\\\nb\""), Words({"ab"}));
}

TEST(SplitCommand, AdjacentPiecesJoin) {
  EXPECT_EQ(split(R"(a"b c"'d e'f)"), Words({"ab cd ef"}));
  EXPECT_EQ(split(R"(--opt="x y")"), Words({"--opt=x y"}));
}

TEST(SplitCommand, EmptyQuotedWords) {
  EXPECT_EQ(split("''"), Words({""}));
  EXPECT_EQ(split(R"(a '' "" b)"), Words({"a", "", "", "b"}));
}

TEST(SplitCommand, ShellOperatorsAreOrdinaryCharacters) {
  EXPECT_EQ(split("echo a|b; c && d > e $(x) `y` $HOME ~ * # z"),
            Words({"echo", "a|b;", "c", "&&", "d", ">", "e", "$(x)", "`y`", "$HOME", "~", "*", "#", "z"}));
}

TEST(SplitCommand, AShellOnlyWhenTheUserWritesOne) {
  EXPECT_EQ(split("sh -c 'cat | tr a-z A-Z'"), Words({"sh", "-c", "cat | tr a-z A-Z"}));
  EXPECT_EQ(split(R"x(python3 -c "print(\"hi\")")x"), Words({"python3", "-c", "print(\"hi\")"}));
}

TEST(SplitCommand, Rejects) {
  EXPECT_FALSE(split_command(""));
  EXPECT_FALSE(split_command("   \t\n"));
  EXPECT_FALSE(split_command("'abc"));
  EXPECT_FALSE(split_command("\"abc"));
  EXPECT_FALSE(split_command(R"("abc\")"));
  EXPECT_FALSE(split_command("abc\\"));
  EXPECT_FALSE(split_command("echo 'a' \"b"));
  EXPECT_FALSE(split_command(std::string_view("a\0b", 3)));
  EXPECT_FALSE(split_command(std::string_view("'a\0b'", 5)));
}

TEST(SplitCommand, EveryTruncationEitherSplitsOrIsRejected) {
  const std::string command = R"(sh -c 'echo "$x" \' "a\"b" c\ d)";
  for (std::size_t n = 0; n <= command.size(); ++n) {
    (void)split_command(std::string_view(command).substr(0, n));  // must not crash (ASan/UBSan)
  }
  EXPECT_EQ(split(command), Words({"sh", "-c", R"(echo "$x" \)", "a\"b", "c d"}));
}

}  // namespace
}  // namespace faasgate::provider
