// Package crmtest makes synthetic customers for benchmarks, load drivers and
// demos: names in the scripts and shapes of the businesses crmbot serves,
// each with a unique phone and e-mail.
package crmtest

import (
	"fmt"
	"math/rand/v2"

	"github.com/crmbot/crmbot/crm"
)

var (
	givenNames  = []string{"Siti", "Nur", "Ahmad", "Muhammad", "Aminah", "Farah", "Hafiz", "Zulkifli", "Aisyah", "Ravi", "Priya", "Arjun", "Kavitha", "Wei", "Mei", "Jun", "Hui", "Budi", "Dewi", "Agus", "Putri", "Rahul", "Anjali", "Lakshmi", "Kumar", "Hassan", "Yusof", "Ling", "Chong", "Rina"}
	familyNames = []string{"Nurhaliza", "Abdullah", "Rahman", "Ismail", "Tan", "Lim", "Lee", "Wong", "Ng", "Chan", "Krishnan", "Subramaniam", "Sharma", "Patel", "Singh", "Santoso", "Wijaya", "Hidayat", "Pratama", "Hakim", "Osman", "Yusuf", "Razak", "Chua", "Goh", "Teo", "Nair", "Pillai", "Gupta", "Halim"}
	hanFamily   = []string{"陈", "林", "黄", "张", "李", "王", "吴", "刘", "蔡", "杨"}
	hanGiven    = []string{"大文", "美玲", "志明", "家豪", "淑芬", "伟", "敏", "静", "磊", "婷"}
	syllables   = []string{"ka", "ri", "mo", "tan", "su", "lin", "da", "wi", "ha", "ni", "ra", "po", "ya", "ko", "me", "bu", "se", "jo", "lu", "fa"}
)

// Word makes a name-like word from i: 8,000 distinct ones, so a third name
// is shared by about a dozen customers in 100,000.
func Word(i int) string {
	return syllables[i%20] + syllables[(i/20)%20] + syllables[(i/400)%20]
}

// Customer returns synthetic customer number i; the same i and seed always
// give the same customer. One in ten has a Chinese name.
func Customer(i int, r *rand.Rand) *crm.Customer {
	var name string
	if i%10 == 0 {
		name = hanFamily[r.IntN(len(hanFamily))] + hanGiven[r.IntN(len(hanGiven))]
	} else {
		name = givenNames[r.IntN(len(givenNames))] + " " + familyNames[r.IntN(len(familyNames))] + " " + Word(i)
	}
	return &crm.Customer{
		Name:   name,
		Phones: []string{fmt.Sprintf("+6012%07d", i)},
		Emails: []string{fmt.Sprintf("customer%d@example.my", i)},
	}
}

// Customers returns customers from..to-1, generated from seed.
func Customers(from, to int, seed uint64) []*crm.Customer {
	r := rand.New(rand.NewPCG(seed, uint64(from)))
	out := make([]*crm.Customer, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, Customer(i, r))
	}
	return out
}
