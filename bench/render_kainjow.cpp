// render_kainjow.cpp: the same page with kainjow mustache (Debian's
// libkainjow-mustache-dev, C++ header-only), for bench/render.sh.
//
//	render_kainjow DIR DATA N partials|inline [OUT]
//
// "partials" registers header, row and footer as partials (kainjow parses
// a partial again each time it is used); "inline" pastes them into the
// page first, kainjow's best case.  Prints renders/s, MB/s, bytes.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <jansson.h>
#include <kainjow/mustache.hpp>

using kainjow::mustache::data;
using kainjow::mustache::mustache;
using kainjow::mustache::partial;

static std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream s;
	s << f.rdbuf();
	return s.str();
}

// Numbers as crewlog prints them: integers exactly, reals shortest.
static std::string number(const json_t *v)
{
	char tmp[64];
	if (json_is_integer(v)) {
		snprintf(tmp, sizeof(tmp), "%lld",
		    (long long)json_integer_value(v));
		return tmp;
	}
	double d = json_real_value(v);
	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*g", p, d);
		if (strtod(tmp, nullptr) == d)
			break;
	}
	return tmp;
}

static data convert(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		data d{data::type::object};
		const char *k;
		json_t *x;
		json_object_foreach(const_cast<json_t *>(v), k, x)
			d.set(k, convert(x));
		return d;
	}
	case JSON_ARRAY: {
		data d{data::type::list};
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			d.push_back(convert(x));
		return d;
	}
	case JSON_STRING:
		return data{std::string(json_string_value(v))};
	case JSON_INTEGER:
	case JSON_REAL:
		return data{number(v)};
	case JSON_TRUE:
		return data{true};
	default:
		return data{false};
	}
}

static void replace_all(std::string &s, const std::string &from,
    const std::string &to)
{
	for (size_t p = s.find(from); p != std::string::npos;
	    p = s.find(from, p + to.size()))
		s.replace(p, from.size(), to);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		std::cerr << "usage: render_kainjow DIR DATA N partials|inline [OUT]\n";
		return 1;
	}
	std::string dir = argv[1], mode = argv[4];
	long n = atol(argv[3]);
	json_error_t je;
	json_t *j = json_load_file(argv[2], 0, &je);
	if (j == nullptr) {
		std::cerr << argv[2] << ": " << je.text << "\n";
		return 1;
	}
	data ctx = convert(j);
	std::string page = slurp(dir + "/page.mustache");
	std::string header = slurp(dir + "/header.mustache");
	std::string row = slurp(dir + "/row.mustache");
	std::string footer = slurp(dir + "/footer.mustache");
	if (mode == "inline") {
		// Standalone partial lines: the partial keeps its own newline.
		replace_all(page, "{{>header}}\n", header);
		replace_all(page, "{{>row}}\n", row);
		replace_all(page, "{{>footer}}\n", footer);
	} else {
		ctx.set("header", partial([header]() { return header; }));
		ctx.set("row", partial([row]() { return row; }));
		ctx.set("footer", partial([footer]() { return footer; }));
	}
	mustache tmpl{page};
	if (!tmpl.is_valid()) {
		std::cerr << "kainjow: " << tmpl.error_message() << "\n";
		return 1;
	}
	std::string out;
	auto t0 = std::chrono::steady_clock::now();
	for (long i = 0; i < n; i++)
		out = tmpl.render(ctx);
	auto t1 = std::chrono::steady_clock::now();
	double secs = std::chrono::duration<double>(t1 - t0).count();
	if (n > 0)
		printf("%.0f %.1f %zu\n", n / secs, n * out.size() / secs / 1e6,
		    out.size());
	if (argc > 5) {
		std::ofstream f(argv[5], std::ios::binary);
		f << out;
	}
	json_decref(j);
	return 0;
}
