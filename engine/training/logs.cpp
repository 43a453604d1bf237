#include "engine/training/logs.h"

#include "engine/core/errors.h"

namespace strata {

double Logs::at(std::string_view key) const {
    const Item* it = find(key);
    if (!it) throw ValueError("no log named '" + std::string(key) + "' (available: " + keyList() + ")");
    return it->second;
}

void Logs::erase(std::string_view key) {
    for (auto it = items_.begin(); it != items_.end(); ++it)
        if (it->first == key) {
            items_.erase(it);
            return;
        }
}

std::vector<std::string> Logs::keys() const {
    std::vector<std::string> k;
    for (const auto& it : items_) k.push_back(it.first);
    return k;
}

std::string Logs::keyList() const {
    std::string s;
    for (const auto& it : items_) s += (s.empty() ? "" : ", ") + it.first;
    return s;
}

void Logs::update(const Logs& other, std::string_view prefix) {
    std::string key;
    for (const auto& it : other.items_) {
        key.assign(prefix);
        key += it.first;
        set(key, it.second);
    }
}

}  // namespace strata
