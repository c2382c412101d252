// Quiver's harness around hnswlib (Debian's libhnswlib-dev headers), so hnswlib runs the same
// dataset files and protocol as quiver-bench ann and prints the same JSON lines.
// Build: g++ -O3 -march=native -std=c++17 -pthread harness.cpp -o hnswlib-harness
// Usage: hnswlib-harness DATASET TRAIN.fvecs TEST.fvecs GT.ivecs M EFC EF1,EF2,... K QUERIES BUILD_THREADS
#include <hnswlib/hnswlib.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

template <typename T>
static std::vector<T> read_vecs(const std::string& path, int& dim) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<T> out;
    dim = -1;
    int d;
    while (in.read(reinterpret_cast<char*>(&d), 4)) {
        if (dim < 0) dim = d;
        if (d != dim) throw std::runtime_error("mixed dimensions in " + path);
        size_t at = out.size();
        out.resize(at + d);
        in.read(reinterpret_cast<char*>(out.data() + at), sizeof(T) * d);
    }
    return out;
}

static std::vector<int> parse_list(const std::string& s) {
    std::vector<int> v;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) v.push_back(std::stoi(item));
    return v;
}

int main(int argc, char** argv) {
    if (argc != 11) {
        std::fprintf(stderr, "usage: %s DATASET TRAIN TEST GT M EFC EFS K QUERIES BUILD_THREADS\n", argv[0]);
        return 2;
    }
    std::string name = argv[1];
    int dim, tdim, gdim;
    auto train = read_vecs<float>(argv[2], dim);
    auto test = read_vecs<float>(argv[3], tdim);
    auto gt = read_vecs<int>(argv[4], gdim);
    int M = std::atoi(argv[5]), efc = std::atoi(argv[6]);
    auto efs = parse_list(argv[7]);
    int k = std::atoi(argv[8]);
    size_t n = train.size() / dim;
    size_t nq = test.size() / dim;
    int limit = std::atoi(argv[9]);
    if (limit > 0 && (size_t)limit < nq) nq = limit;
    int threads = std::atoi(argv[10]);
    if (threads <= 0) threads = std::thread::hardware_concurrency();

    hnswlib::L2Space space(dim);
    hnswlib::HierarchicalNSW<float> index(&space, n, M, efc, 100);
    auto t0 = std::chrono::steady_clock::now();
    std::atomic<size_t> next(0);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++)
        pool.emplace_back([&] {
            for (size_t i = next++; i < n; i = next++) index.addPoint(train.data() + i * dim, i);
        });
    for (auto& t : pool) t.join();
    double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    size_t bytes = index.max_elements_ * index.size_data_per_element_;
    for (size_t i = 0; i < n; i++) bytes += index.element_levels_[i] * index.size_links_per_element_;

    for (int ef : efs) {
        index.setEf(ef);
        for (size_t q = 0; q < std::min<size_t>(100, nq); q++) index.searchKnn(test.data() + q * dim, k);
        std::vector<double> lat(nq);
        double total = 0, recall = 0;
        for (size_t q = 0; q < nq; q++) {
            auto s = std::chrono::steady_clock::now();
            auto res = index.searchKnn(test.data() + q * dim, k);
            double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count();
            lat[q] = us;
            total += us;
            int hit = 0;
            while (!res.empty()) {
                int id = (int)res.top().second;
                res.pop();
                for (int j = 0; j < k; j++) if (gt[q * gdim + j] == id) { hit++; break; }
            }
            recall += (double)hit / k;
        }
        std::sort(lat.begin(), lat.end());
        std::printf("{\"dataset\":\"%s\",\"engine\":\"hnswlib\",\"index\":\"HNSW\",\"build\":{\"m\":%d,\"efconstruction\":%d},"
                    "\"search\":{\"ef\":%d},\"k\":%d,\"threads\":1,\"queries\":%zu,\"build_seconds\":%.3f,\"index_bytes\":%zu,"
                    "\"recall\":%.5f,\"qps\":%.1f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"machine\":\"hnswlib 0.6.2 g++ -O3 -march=native, %d build threads\"}\n",
                    name.c_str(), M, efc, ef, k, nq, build, bytes, recall / nq, nq / (total / 1e6), lat[nq / 2],
                    lat[std::min(nq - 1, (size_t)(nq * 0.99))], threads);
        std::fflush(stdout);
    }
    return 0;
}
